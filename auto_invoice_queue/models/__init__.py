from . import ir_actions_report
from . import res_company
from . import res_config_settings
from . import sale_order
from . import sale_order_acceptance
from . import queue_job
