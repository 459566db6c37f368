from . import sale_order_offline_acceptance
from . import mail_compose_message
from . import sale_advance_payment_inv
from . import auto_invoice_seal_upload
from . import auto_invoice_send_confirm
