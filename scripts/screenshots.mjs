// Takes the README's screenshots with headless Chromium driven by playwright-core; run by scripts/screenshots.sh,
// which seeds the database (scripts/demo.py --stop-after-send-quotation) and installs playwright-core outside the
// repo. The customer signs in the browser exactly as on the real portal; nothing is faked through RPC.
//
//   node scripts/screenshots.mjs --url URL --portal PORTAL_URL --out DIR --playwright NODE_PREFIX
//
// Writes DIR/portal_quotation.png, portal_signed.png, sale_order_form.png, invoice_draft.png (1280x800 each).
import {createRequire} from "node:module";
import path from "node:path";
import {parseArgs} from "node:util";

const {values: opts} = parseArgs({
    options: {
        url: {type: "string"},
        portal: {type: "string"},
        out: {type: "string"},
        playwright: {type: "string"},
        chromium: {type: "string", default: "/usr/bin/chromium"},
        login: {type: "string", default: "admin"},
        password: {type: "string", default: "admin"},
        signer: {type: "string", default: "Jane Doe"},
    },
});
for (const name of ["url", "portal", "out", "playwright"]) {
    if (!opts[name]) throw new Error(`missing --${name}`);
}
const {chromium} = createRequire(path.join(opts.playwright, "package.json"))("playwright-core");
const baseUrl = opts.url.replace(/\/$/, "");
const orderId = Number(new URL(opts.portal).pathname.match(/\/my\/orders\/(\d+)/)[1]);
const VIEWPORT = {width: 1280, height: 800};
const started = Date.now();

function log(message) {
    console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
}

async function shot(page, name, what) {
    await page.evaluate(() => document.fonts.ready);
    await page.waitForTimeout(300); // let transitions (modal fade, tab switch) settle
    const file = path.join(opts.out, name);
    await page.screenshot({path: file, animations: "disabled", caret: "hide"});
    log(`${name}: ${what}`);
}

// Fail loudly on what would otherwise end up in a screenshot: a traceback page, an error dialog, a login page.
async function assertNoError(page, where) {
    const error = page.locator(
        ".o_error_dialog, .o_dialog .modal-title:has-text('Error'), .o_notification.border-danger"
    );
    if (await error.count()) {
        throw new Error(`${where}: Odoo shows an error: ${(await error.first().innerText()).slice(0, 300)}`);
    }
    if (new URL(page.url()).pathname.startsWith("/web/login")) throw new Error(`${where}: landed on the login page`);
}

// Scroll the form's scrolling container so that selector's top sits `gap` pixels below the bottom of the sticky
// header (statusbar with the action buttons), which stays in view.
async function scrollBelowHeader(page, selector, gap) {
    await page
        .locator(selector)
        .first()
        .evaluate((el, gap) => {
            let scroller = el.parentElement;
            while (
                scroller &&
                !(
                    scroller.scrollHeight > scroller.clientHeight &&
                    /auto|scroll/.test(getComputedStyle(scroller).overflowY)
                )
            ) {
                scroller = scroller.parentElement;
            }
            scroller = scroller || document.scrollingElement;
            const header = document.querySelector(".o_form_view .o_form_statusbar");
            const top = (header ? header.getBoundingClientRect().bottom : 0) + gap;
            scroller.scrollTop += el.getBoundingClientRect().top - top;
        }, gap);
}

async function rpc(page, model, method, args, kwargs = {}) {
    const response = await page.request.post(`${baseUrl}/web/dataset/call_kw/${model}/${method}`, {
        data: {jsonrpc: "2.0", method: "call", id: 1, params: {model, method, args, kwargs}},
    });
    const reply = await response.json();
    if (reply.error) throw new Error(`${model}.${method}: ${reply.error.data?.message || reply.error.message}`);
    return reply.result;
}

const browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: true,
    args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
});
try {
    const contextOptions = {viewport: VIEWPORT, locale: "en-US", timezoneId: "UTC"};

    // 1-2. The customer: an anonymous visitor holding the link from the quotation email.
    const customer = await browser.newContext(contextOptions);
    const portal = await customer.newPage();
    await portal.goto(opts.portal, {waitUntil: "networkidle"});
    const acceptButton = portal.locator("a[data-bs-target='#modalaccept']:visible").first();
    await acceptButton.waitFor();
    await assertNoError(portal, "portal");
    await shot(portal, "portal_quotation.png", "the quotation on the customer's portal, with its Accept & Sign button");

    await acceptButton.click();
    const modal = portal.locator("#modalaccept");
    await modal.locator(".o_web_sign_name_input").fill(opts.signer);
    const submit = modal.locator(".o_portal_sign_submit");
    await submit.and(portal.locator(":enabled")).waitFor(); // the signature is drawn from the typed name
    await Promise.all([portal.waitForURL(/message=sign_ok/), submit.click()]);
    await portal.waitForLoadState("networkidle");
    await portal.locator(".o_auto_invoice_outcome").waitFor(); // one banner: what happened and what follows
    await assertNoError(portal, "portal after signing");
    await shot(portal, "portal_signed.png", `the portal after ${opts.signer} signed: order confirmed`);
    await customer.close();

    // 3-4. The salesperson / billing user in the backend.
    const staff = await browser.newContext(contextOptions);
    const page = await staff.newPage();
    await page.goto(`${baseUrl}/web/login`);
    await page.fill("input[name=login]", opts.login);
    await page.fill("input[name=password]", opts.password);
    await Promise.all([page.waitForURL(/\/odoo/), page.click("form.oe_login_form button[type=submit]")]);

    const [order] = await rpc(page, "sale.order", "read", [
        [orderId],
        ["name", "state", "auto_invoice_state", "auto_invoice_id", "acceptance_ids"],
    ]);
    if (order.state !== "sale" || order.auto_invoice_state !== "done" || !order.auto_invoice_id) {
        throw new Error(
            `after signing, order ${order.name} is ${JSON.stringify(order)}: expected a confirmed order with its invoice`
        );
    }
    const invoiceId = order.auto_invoice_id[0];

    await page.goto(`${baseUrl}/odoo/action-sale.action_orders/${orderId}`);
    await page.locator(".o_form_view .o_form_sheet").waitFor();
    await page.getByRole("tab", {name: "Other Info"}).click();
    const autoInvoiceField = page.locator(".o_field_widget[name=auto_invoice_id]");
    await autoInvoiceField.waitFor();
    // Scroll the form so that the notebook's tabs sit right below the header, showing the whole tab below them.
    await scrollBelowHeader(page, ".o_notebook_headers", 16);
    for (const field of ["auto_invoice_on_signature", "auto_invoice_state", "auto_invoice_id"]) {
        await page.locator(`.o_field_widget[name=${field}]`).waitFor();
    }
    await assertNoError(page, "sale order form");
    await shot(
        page,
        "sale_order_form.png",
        `sale order ${order.name}, tab Other Info: Invoice on Signature, Automatic Invoice Status/Invoice`
    );

    // The acceptance: the order's Acceptances tab, then the record with its evidence.
    await page.getByRole("tab", {name: "Acceptances"}).click();
    await page.locator(".o_field_widget[name=acceptance_ids] .o_data_row").first().waitFor();
    await scrollBelowHeader(page, ".o_notebook_headers", 16);
    await assertNoError(page, "sale order acceptances");
    await shot(page, "sale_order_acceptances.png", `sale order ${order.name}, tab Acceptances`);
    await page.goto(`${baseUrl}/odoo/action-auto_invoice.sale_order_acceptance_action/${order.acceptance_ids[0]}`);
    await page.locator(".o_form_view .o_form_sheet .o_field_widget[name=content_sha256]").waitFor();
    await assertNoError(page, "acceptance form");
    await shot(page, "acceptance_form.png", "the acceptance: who, when, from where, which version");

    await page.goto(`${baseUrl}/odoo/action-account.action_move_out_invoice_type/${invoiceId}`);
    await page.locator(".o_form_view .o_form_sheet").waitFor();
    await page.locator("button[name=action_auto_invoice_send]:visible").waitFor();
    await page.locator(".o-mail-Chatter .o-mail-Activity").first().waitFor();
    // The chatter is below the form at this width: scroll to the invoice lines, so that the view shows them, the
    // totals and the chatter with the review activity, under the sticky header holding Confirm & Send.
    await scrollBelowHeader(page, ".o_notebook_headers", 8);
    const activity = await page.locator(".o-mail-Chatter .o-mail-Activity").first().boundingBox();
    if (activity.y + activity.height > VIEWPORT.height) throw new Error("the invoice's activity is below the viewport");
    await assertNoError(page, "invoice form");
    await shot(
        page,
        "invoice_draft.png",
        `draft invoice ${order.auto_invoice_id[1]} with Confirm & Send and its review activity`
    );
    await staff.close();
} finally {
    await browser.close();
}
