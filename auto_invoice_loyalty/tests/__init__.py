from . import test_loyalty
