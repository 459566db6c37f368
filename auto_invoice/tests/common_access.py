"""The fixtures of the access tests (test_access_matrix.py, test_access_rules.py)."""

from .common import AccessMatrixCommon

INTERNAL_NOTE = "INTERNAL-NOTE-1729: margin is thin"
# Who reads what auto_invoice adds (ACCEPTANCE_READERS): the order's salesperson and billing users.
READERS = {"salesman", "billing"}
# Who may act on a customer's quotation for them (sign it, record an offline acceptance): the same.
SIGNERS = {"salesman", "billing"}


class AccessMatrixFixtures(AccessMatrixCommon):
    """Customer A's order signed offline (with an internal note) and invoiced, its invoice posted; customer B's
    quotation; in company 2, a user who sells and bills there only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company()["company"]
        cls._setup_other_company_user(cls.company_2)
        cls.env.company.auto_invoice_report_design = "auto_invoice"  # the branded invoice and quotation
        cls.order_a = cls._create_quotation(lines=[(cls.service, 2.0)])
        cls.env["sale.order.offline.acceptance"].with_user(cls.salesman).create(
            {"order_id": cls.order_a.id, "signer_name": "Ada Lovelace", "method": "paper", "note": INTERNAL_NOTE}
        ).action_record()
        cls.acceptance_a = cls.order_a.acceptance_ids
        cls.acceptance_a._attach_certificate()  # as the cron does once the signature is committed
        cls.invoice_a = cls.order_a.auto_invoice_id
        cls.invoice_a.with_user(cls.billing_user).action_post()
        cls.token_a = cls.order_a._portal_ensure_token()
        cls.token_b = cls._quotation_b()._portal_ensure_token()
        # Odoo's own text for an acceptance that invoiced nothing: internal, never on the customer's pages.
        cls.failed_a = cls._failed_order()

    @classmethod
    def _quotation_b(cls):
        """A quotation of customer B, sold by the other salesperson."""
        return cls._create_quotation(
            lines=[(cls.service, 1.0)],
            partner_id=cls.competitor.id,
            partner_invoice_id=cls.competitor.id,
            user_id=cls.other_salesman.id,
        )

    @classmethod
    def _service_quotation(cls):
        """A quotation of A with a service only: confirming it makes no delivery (with sale_stock, a billing user who
        confirms a quotation of goods needs Inventory rights, Odoo's own)."""
        return cls._create_quotation(lines=[(cls.service, 1.0)])

    @classmethod
    def _failed_order(cls):
        """A's order signed with nothing to invoice: its automatic invoice failed."""
        order = cls._create_quotation(lines=[(cls.service, 0.0)])
        order.with_user(cls.salesman).write({"signature": cls.signature, "signed_by": "Ada Lovelace"})
        assert order.auto_invoice_state == "failed"
        return order

    def setUp(self):
        super().setUp()
        # A warehouse user reads and writes sales orders (sale_stock): Odoo's fields and pages of orders are theirs.
        self.order_readers = READERS | ({"inventory"} if self.env.ref("stock.group_stock_user", False) else set())

    def _signed_draft(self):
        order = self._create_quotation(lines=[(self.service, 1.0)])
        self._sign_in_backend(order)
        return order.auto_invoice_id
