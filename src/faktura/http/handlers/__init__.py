"""The HTTP API's handlers, by resource: each module turns requests into ``Billing`` calls
and answers their results as the wire classes say.

``shared.Api`` is what they share (the billing, the body limit, how a call reaches the
store). A handler is made per route, ``make(api) -> Handler``, and is called with the
request, the authenticated caller and the request's query parameters (checked against
the route's declared ones before the handler runs).
"""
