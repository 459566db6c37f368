"""The stand-ins for l10n_ro_edi's requests to ANAF's SPV, and install(), which puts them in place (see __init__)."""

import logging

from odoo.addons.l10n_ro_edi.models import account_move, utils

_logger = logging.getLogger(__name__)


def send_invoice(company, xml_data, move_type="out_invoice", is_b2b=True):
    """The upload: keep what l10n_ro_edi sends and answer as `_request_ciusro_send_invoice` does when ANAF accepts."""
    submission = company.env["auto_invoice_demo_spv.submission"]._record(company, xml_data, move_type, is_b2b)
    _logger.info("SPV stand-in: %s e-Factura of %s received, index %s", move_type, company.name, submission.index)
    return {"key_loading": submission.index}


def fetch_status(company, key_loading, session):
    """The status of an upload: SPV has not finished (an empty answer), so the invoice stays "Sent"."""
    return {}


def download_answer(company, key_download, session):
    return {"error": "SPV stand-in (demo): no answer to download."}


def synchronize_invoices(company, session, nb_days=1):
    """No message from SPV: nothing validated, refused or received."""
    return {
        "sent_invoices_accepted_messages": [],
        "sent_invoices_refused_messages": [],
        "received_bills_messages": [],
    }


def xml_to_pdf(company, xml_data):
    return {"error": "SPV stand-in (demo): no PDF from SPV."}


def refuse_request(session, company, endpoint, params, data=None):
    """utils.make_efactura_request, the one function that sends to ANAF: nothing leaves this machine."""
    _logger.warning("SPV stand-in: a request to ANAF (%s) was refused: this is a demo server", endpoint)
    return {"error": "SPV stand-in (demo): no request leaves this machine."}


STAND_INS = {
    "_request_ciusro_send_invoice": send_invoice,
    "_request_ciusro_fetch_status": fetch_status,
    "_request_ciusro_download_answer": download_answer,
    "_request_ciusro_synchronize_invoices": synchronize_invoices,
    "_request_ciusro_xml_to_pdf": xml_to_pdf,
}


def install():
    """Replace the request functions where l10n_ro_edi's model calls them (and the sender in utils); logged."""
    for name, stand_in in STAND_INS.items():
        if not hasattr(account_move, name):
            raise ImportError(f"l10n_ro_edi.models.account_move has no {name}: the SPV stand-in is out of date")
        setattr(account_move, name, stand_in)
    utils.make_efactura_request = refuse_request
    _logger.warning(
        "auto_invoice_demo_spv (demo only): l10n_ro_edi's requests to ANAF's SPV are answered by a local stand-in "
        "in this whole server process"
    )
