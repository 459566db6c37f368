import {registry} from "@web/core/registry";

// The quotation is created by the Python test (test_portal.py).
registry.category("web_tour.tours").add("auto_invoice_portal_sign", {
    url: "/my/quotes",
    steps: () => [
        {
            content: "Open the quotation waiting for signature",
            trigger: "a:text(AI-TOUR-001)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Before the dialog, the page says what the signature leads to",
            trigger: ".o_auto_invoice_signing_text:contains(Signing accepts this quotation)",
        },
        {
            content: "Accept & Sign",
            trigger: "a:contains(Sign)",
            run: "click",
        },
        {
            content: "Type the signer's name",
            trigger: ".modal .o_web_sign_name_and_signature input",
            run: "edit Ada Lovelace",
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
        {
            content: "The page says what was created and what comes next",
            trigger: ".o_auto_invoice_outcome:contains(Your order is confirmed)",
        },
    ],
});
