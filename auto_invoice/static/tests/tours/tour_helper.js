// Steps shared by the portal signing tours (bundled with them in web.assets_tests).

/**
 * In the open Accept & Sign dialog: type the signer's name, let the pad draw it, sign, and land on the accepted
 * quotation.
 */
export function signInDialog(signer) {
    return [
        {
            // No name is suggested for a company: the pad appears with the first letter typed (typing on before it
            // is drawn is a race of Odoo's widget that no person types fast enough to hit).
            content: "Start typing the signer's name",
            trigger: ".modal .o_web_sign_name_and_signature input",
            run: `edit ${signer[0]}`,
        },
        {
            content: "Type the signer's name",
            trigger: ".modal .o_web_sign_name_and_signature:has(canvas.o_web_sign_signature) input",
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
            content: "The quotation is accepted: one banner, Odoo's Thank You with what follows in our words",
            trigger:
                "#quote_content:has(.alert-success:contains(Thank You) .o_auto_invoice_outcome):not(:has(.alert-info.o_auto_invoice_outcome)):not(:contains(Your order has been confirmed))",
        },
    ];
}
