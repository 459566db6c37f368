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
    ],
});
