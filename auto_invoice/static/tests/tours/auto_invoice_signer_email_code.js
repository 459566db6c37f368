import {registry} from "@web/core/registry";
import {signInDialog} from "./tour_helper";

// A signer of a company that verifies signers by email (test_signer_verification.py). The Python test starts the
// first tour on the signer's link, reads the code from the email it sent, then starts the second one on the link
// with the code in its fragment (#code=123456): what the signer copies from their inbox.
registry.category("web_tour.tours").add("auto_invoice_signer_email_code_request", {
    steps: () => [
        {
            content: "Instead of the pad, the page offers to email a code to the signer's address",
            trigger: ".o_auto_invoice_email_code .o_auto_invoice_code_intro:contains(b***@example.com)",
        },
        {
            content: "No Accept & Sign before the code",
            trigger: "body:not(:has(a[data-bs-target='#modalaccept'])):not(:has(.o_portal_sign_submit))",
        },
        {
            content: "Send me a code",
            trigger: ".o_auto_invoice_email_code button.o_auto_invoice_code_request:contains(Send me a code)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page says where the code went, and asks for it",
            trigger: ".o_auto_invoice_code_sent:contains(We emailed a code to b***@example.com)",
        },
        {
            content: "The code's field",
            trigger: ".o_auto_invoice_email_code input.o_auto_invoice_code_input",
        },
    ],
});

registry.category("web_tour.tours").add("auto_invoice_signer_email_code_sign", {
    steps: () => [
        {
            content: "Type the code from the email",
            trigger: ".o_auto_invoice_email_code input.o_auto_invoice_code_input",
            run(helpers) {
                return helpers.edit(new URLSearchParams(window.location.hash.slice(1)).get("code"));
            },
        },
        {
            content: "Confirm",
            trigger: ".o_auto_invoice_email_code button.o_auto_invoice_code_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The address is confirmed: the pad is offered",
            trigger: ".o_auto_invoice_code_verified:contains(your email address is confirmed)",
        },
        {
            content: "Accept & Sign",
            trigger: "#sale_order_sidebar_button a[data-bs-target='#modalaccept']",
            run: "click",
        },
        ...signInDialog("Bea Buyer"),
    ],
});
