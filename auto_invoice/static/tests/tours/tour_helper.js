// Steps shared by the portal signing tours (bundled with them in web.assets_tests).

/**
 * In the open Accept & Sign dialog: type the signer's name, let the pad draw it, sign, and land on the accepted
 * quotation.
 */
export function signInDialog(signer) {
    return [
        {
            content: "Type the signer's name",
            trigger: ".modal .o_web_sign_name_and_signature input",
            run: `edit ${signer}`,
        },
        {
            content: "The signature is drawn from the name",
            trigger: ".modal canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The quotation is accepted",
            trigger: "#quote_content:contains(Thank You)",
        },
    ];
}
