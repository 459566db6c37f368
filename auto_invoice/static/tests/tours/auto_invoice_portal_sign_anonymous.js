import {registry} from "@web/core/registry";
import {signInDialog} from "./tour_helper";

// An anonymous visitor holding the emailed link (the Python test starts the tour on the quotation's portal URL, with
// its access token): the page sends the token in the query string of the signing request.
registry.category("web_tour.tours").add("auto_invoice_portal_sign_anonymous", {
    steps: () => [
        {
            content: "Before the dialog, the page says what the signature leads to",
            trigger:
                ".o_auto_invoice_signing_text:contains(Signing accepts this quotation. An invoice of):contains(kept as a draft for our review)",
        },
        {
            content: "Accept & Sign (not the header's Sign in: the visitor is anonymous)",
            trigger: "a[data-bs-target='#modalaccept']",
            run: "click",
        },
        {
            content: "The consent statement stands next to the signature pad",
            trigger:
                ".modal .o_auto_invoice_consent:contains(By signing, I accept quotation):contains(kept as a draft for our review)",
        },
        {
            content: "The dialog's title and its button say the page's action",
            trigger: ".modal .modal-title:contains(Accept & Sign)",
        },
        {
            content: "Its button says it too",
            trigger: ".modal .o_portal_sign_submit:contains(Accept & Sign)",
        },
        ...signInDialog("Grace Hopper"),
        {
            content: "The page says what was created and what comes next",
            trigger: ".o_auto_invoice_outcome:contains(is kept as a draft for our review, then sent to you)",
        },
    ],
});
