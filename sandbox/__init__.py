"""A faithful simulator of each vendor API, served by LeadHub itself under /sandbox/.

Built from the vendors' documents and the rules in the product's vendor notes; used by the
demo (``make run``) and by the tests over real HTTP. Never mounted in production.
"""
