from . import test_efactura
from . import test_i18n
from . import test_romanian_documents
from . import test_access_matrix
