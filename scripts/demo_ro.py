"""The Romanian demo's own steps (make demo DEMO_ARGS="--country ro"): the invoice's e-Factura reaches the SPV
stand-in of scripts/demo_addons through auto_invoice_l10n_ro's job, and the stand-in received exactly that XML."""

import base64
import os
import time
import xml.etree.ElementTree as ElementTree

from odoo_client import OdooError

UBL = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


class RomanianSteps:
    """Steps of demo.Demo for --country ro (they use its client, invoice and log)."""

    def submit_to_spv(self):
        """Sending the invoice queued its e-Factura; auto_invoice_l10n_ro's job, triggered at once, submits it through
        Odoo's ro_edi: the server's cron thread runs it, the demo waits for its outcome."""
        name = self.invoice["name"]
        fields = ["l10n_ro_edi_state", "l10n_ro_edi_index", "auto_invoice_spv_pending", "auto_invoice_spv_error"]
        deadline = time.monotonic() + 90
        move = self.read_one("account.move", self.invoice_id, fields)
        while move["auto_invoice_spv_pending"] and time.monotonic() < deadline:
            time.sleep(1)
            move = self.read_one("account.move", self.invoice_id, fields)
        if move["l10n_ro_edi_state"] != "invoice_sent" or move["auto_invoice_spv_pending"]:
            raise OdooError(
                f"the SPV job left invoice {name} in e-Factura state {move['l10n_ro_edi_state']!r} "
                f"(still queued: {move['auto_invoice_spv_pending']}; error: {move['auto_invoice_spv_error']})"
            )
        self.spv_index = move["l10n_ro_edi_index"]
        self.log(
            f"g2. the SPV job (auto_invoice_l10n_ro.ir_cron_spv_submit, run by the server's cron thread) submitted "
            f"invoice {name} through Odoo's "
            f"ro_edi: e-Factura state '{move['l10n_ro_edi_state']}', index {self.spv_index} (answered by the SPV "
            "stand-in of scripts/demo_addons; no request left this machine)"
        )

    def check_spv(self):
        """The end of the Romanian demo: the SPV stand-in received exactly one e-Factura, a CIUS-RO XML billing this
        invoice, the very XML emailed to the customer; saved in demo-output/ and printed."""
        name = self.invoice["name"]
        submissions = self.rpc(
            "auto_invoice_demo_spv.submission",
            "search_read",
            [],
            fields=["company_id", "xml", "move_type", "is_b2b", "date", "index"],
        )
        if len(submissions) != 1:
            raise OdooError(f"the SPV stand-in received {len(submissions)} e-Factura(s), expected exactly 1")
        submission = submissions[0]
        xml = base64.b64decode(submission["xml"] or "")
        root = ElementTree.fromstring(xml)
        customization = root.findtext("cbc:CustomizationID", namespaces=UBL) or ""
        number = root.findtext("cbc:ID", namespaces=UBL)
        emailed = [
            part for part in self.invoice_mail.iter_attachments() if (part.get_filename() or "").endswith(".xml")
        ]
        problems = []
        if "CIUS-RO" not in customization:
            problems.append(f"its CustomizationID {customization!r} is not CIUS-RO")
        if number != name:
            problems.append(f"its cbc:ID is {number!r}, not the invoice number {name!r}")
        if (submission["move_type"], submission["is_b2b"]) != ("out_invoice", True):
            problems.append(f"it came as {submission['move_type']}, B2B {submission['is_b2b']}")
        if submission["company_id"][0] != self.data.company_id:
            problems.append(f"it came from company {submission['company_id'][1]}")
        if submission["index"] != self.spv_index:
            problems.append(f"its index {submission['index']} is not the invoice's {self.spv_index}")
        if [part.get_payload(decode=True) for part in emailed] != [xml]:
            problems.append("the XML emailed to the customer is not the one SPV got")
        if problems:
            raise OdooError(f"the e-Factura the SPV stand-in received: {'; '.join(problems)}")
        xml_path = self.out / emailed[0].get_filename()
        xml_path.write_bytes(xml)

        def party_vat(role):
            return root.findtext(f"cac:{role}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", namespaces=UBL)

        currency = root.findtext("cbc:DocumentCurrencyCode", namespaces=UBL)
        issued = root.findtext("cbc:IssueDate", namespaces=UBL)
        percent = root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", namespaces=UBL)
        self.log(
            f"i. the SPV stand-in received exactly 1 e-Factura: index {submission['index']} on {submission['date']}, "
            f"{submission['move_type']}, B2B, from {submission['company_id'][1]}:\n"
            f"           CustomizationID {customization}\n"
            f"           cbc:ID {number} (the invoice's number), IssueDate {issued}"
            f", supplier {party_vat('AccountingSupplierParty')}, customer {party_vat('AccountingCustomerParty')}, "
            f"{len(root.findall('cac:InvoiceLine', namespaces=UBL))} lines, VAT {percent} %, total "
            f"{root.findtext('cac:LegalMonetaryTotal/cbc:PayableAmount', namespaces=UBL)} {currency}\n"
            f"           saved {os.path.relpath(xml_path)} ({len(xml):,} bytes: the XML emailed to the customer)"
        )
