import {registry} from "@web/core/registry";
import {signInDialog} from "./tour_helper";

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
        ...signInDialog("Ada Lovelace"),
        {
            content: "The page says what was created and what comes next",
            trigger: ".o_auto_invoice_outcome:contains(Your order is confirmed)",
        },
    ],
});
