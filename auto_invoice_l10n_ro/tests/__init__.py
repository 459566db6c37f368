from . import test_efactura
