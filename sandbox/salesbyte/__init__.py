"""SalesByte, simulated: the Integration API, the Quotes API and the customer's quote pages.

Rules (shared/vendor-apis.md, "Simulator rules (SalesByte)"):
- JSON in and out, except the template endpoint: ``200 text/plain "Quote created"``;
- validation first, Laravel style: every missing or wrongly typed field → 422
  ``{"message", "errors": {field: [..]}}``; then an unknown ``uuid``, quote profile, quote
  template or salesperson (every address of an array) → 404 ``{"message"}``;
- create_quote enforces the ``send_type`` enum and its conditions (email for email/dual,
  phone for sms/dual); booleans are true/false, 0/1 or "0"/"1";
- phones lose spaces and ``-().``, a leading 00 becomes +, a leading 0 becomes +46; quote and
  template phones must then be ``+46`` and nine digits; create_brandawareness only sanitises;
- success gives an increasing id, a random 14-character key and the documented link shapes
  (pointing at this sandbox, so the links work in the demo);
- Quotes API: ``Authorization: Bearer``; a missing or bad token → 401
  ``{"message": "Unauthenticated."}``; an unknown key → 404; 10 a page; date filters and
  sorting as documented; the page envelope (``links``, ``meta``) is Laravel's (assumed).

Sandbox switches, not SalesByte's: a ``customer_name`` of ``SANDBOX 500`` answers HTTP 500
(after validation, as a failure while creating would), and the customer view page has a
"Sign" button that signs the quote, so the Quotes API can show signed quotes.
"""
