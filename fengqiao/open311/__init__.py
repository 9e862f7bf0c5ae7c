"""Open311 GeoReport v2 under /open311/v2/, so that existing GeoReport clients (a 12345 hotline,
a city's reporting app) can file matters and follow them without a platform account.

Endpoints, each as `.json` and as `.xml` (the specification's default format):

- `discovery`, `services`, `services/{service_code}`: public. One service per case category; the
  service_code is the category code. No service has attributes (metadata is false), so every
  service definition answers with an empty attribute list; an unknown code is a 404.
- `requests` POST: needs an `api_key`. The key, issued by an admin to a client system, decides the
  channel of the new case (`open311` unless the key says e.g. `hotline`) and the region subtree it
  may file into. `lat`/`long` must lie inside that subtree (else 400 naming lat/long); with only
  `address_string` or `address_id` the case is filed in the key's region (or in the extension
  field `region_code`, which must lie inside it) and the address is stored. The case is created
  without an acting user (`actor=None`). Answers 201 with
  `[{"service_request_id": <case number>, "service_notice", "account_id": null}]`.
- `requests` GET and `requests/{service_request_id}` GET: **also need an `api_key`**, although
  GeoReport reads are usually public. The platform's rule is that matters are seen only within a
  region subtree; a key reads exactly the requests whose case lies in its region (any channel),
  and a request outside it is answered 404 as if it did not exist. The key may be given as the
  `api_key` query parameter or the `X-Api-Key` header.

What a request shows: the case number, `open`/`closed` (closed = the case is closed or rejected),
the status label as `status_notes`, category, description, the handling unit as
`agency_responsible`, the way and level of handling as `service_notice`, reported/updated/deadline
times (ISO 8601, Asia/Shanghai offset), address, coordinates, `address_id` and `media_url`. Never
personal data: no party names, phone or ID numbers, e-mail, device or account ids, and no staff
notes (they may name people).

Personal data sent with a POST: `first_name`/`last_name`/`phone` become the case's applicant party
(encrypted by the people app; a phone needs a name with it); `email` is stored only encrypted
(RequestExtra.email_encrypted); `device_id`, `account_id`, `media_url`, `address_id` and
`attribute[…]` are kept in RequestExtra.

Extensions to the specification: `client_id` (a UUID) makes a POST idempotent — the same client_id
from the same key answers with the first request and creates nothing; `region_code` names where an
address-only request belongs; POST bodies may also be a JSON object. `jurisdiction_id` is accepted
and ignored (one jurisdiction per install). The optional token resource is not offered: requests
are created in real time and always answered with their id.
"""
