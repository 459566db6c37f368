from . import sale_order_offline_acceptance
