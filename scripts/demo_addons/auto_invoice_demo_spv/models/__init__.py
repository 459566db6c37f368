from . import submission
