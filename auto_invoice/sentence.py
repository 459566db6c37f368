"""Sentences that end with a name.

A sentence such as "... issued by %(company)s." reads "issued by Acme Inc.." when the name ends with a period of its
own (Inc., Ltd., S.A., Jr.), in English as in the translations that end on the name. `sentence()` gives such a text
one final period.

    sentence(self.env._("... issued by %(company)s.", company=company.name))
"""


def sentence(text):
    """`text` with the period of a name that ends it not doubled: "issued by Acme Inc.." reads "issued by Acme Inc."."""
    return text[:-1] if text.endswith("..") else text
