"""Checks of the preview page, expiry, errors and bad input, the transport and
the limits (draft-vinokurov-tigress-http-00; RECOMMENDED = the project's own
recommendation where the draft sets nothing, docs/relay.md)."""

import base64
import re
import time

from framework import MUST, RECOMMENDED, SHOULD, check, new_uuid, parse_rfc3339
from framework import rfc3339

HOSTILE_TITLE = "<script>alert(1)</script>\"'&<b>"


# ---------------------------------------------------------------- preview

@check("preview.ok", MUST, "7.4 (ReadDisplayInformationFromMailbox)",
       "GET of a mailbox answers 200 text/html with Open Graph og:title, og:description and "
       "og:image carrying the display information.")
def preview_ok(ctx):
    box = ctx.create(title="Hotel pass")
    resp = ctx.call("GET", box.path)
    ctx.expect_status(resp, 200, "the preview")
    ctx.expect(resp.media_type() == "text/html", f"Content-Type {resp.media_type()!r}", resp)
    page = resp.text()
    for prop, value in (("og:title", "Hotel pass"), ("og:description", "Blue car"),
                        ("og:image", "https://example.com/car.png")):
        ctx.expect(f'property="{prop}"' in page and value in page,
                   f"{prop} with {value!r} not in the page", resp)


@check("preview.unknown-404", MUST, "7.4 (ReadDisplayInformationFromMailbox, Responses)",
       "GET of an unknown mailbox answers 404.")
def preview_unknown(ctx):
    ctx.expect_status(ctx.call("GET", "/v1/m/" + new_uuid()), 404, "the preview")


@check("preview.escaping", SHOULD, "8 (Security Considerations: preview page scripts)",
       "Display text is HTML-escaped in the preview: a title with markup appears as text, "
       "never as a tag (else a sender could host script on the relay's origin).")
def preview_escaping(ctx):
    box = ctx.create(title=HOSTILE_TITLE)
    resp = ctx.call("GET", box.path)
    ctx.expect_status(resp, 200, "the preview")
    page = resp.text()
    ctx.expect("<script>alert(1)" not in page and "<b>" not in page,
               "the title's markup reached the page unescaped", resp)
    ctx.expect("alert(1)" in page, "the title is not in the page at all", resp)


@check("preview.no-script", SHOULD, "8 (Security Considerations: preview page scripts)",
       "The preview page carries no <script> element.")
def preview_no_script(ctx):
    box = ctx.create()
    resp = ctx.call("GET", box.path)
    ctx.expect_status(resp, 200, "the preview")
    ctx.expect("<script" not in resp.text().lower(), "the page has a <script> element", resp)


@check("preview.csp", RECOMMENDED, "8 (Security Considerations: preview page scripts); "
       "project: ARCHITECTURE.md 3",
       "The preview answer carries a Content-Security-Policy that forbids scripts "
       "(default-src 'none' or script-src 'none').")
def preview_csp(ctx):
    box = ctx.create()
    resp = ctx.call("GET", box.path)
    ctx.expect_status(resp, 200, "the preview")
    csp = resp.header("Content-Security-Policy") or ""
    ctx.expect("default-src 'none'" in csp or "script-src 'none'" in csp,
               f"Content-Security-Policy {csp!r} does not forbid scripts", resp)


@check("preview.nosniff", RECOMMENDED, "project: docs/relay.md (HTTP API)",
       "The preview answer carries X-Content-Type-Options: nosniff.")
def preview_nosniff(ctx):
    box = ctx.create()
    resp = ctx.call("GET", box.path)
    ctx.expect_status(resp, 200, "the preview")
    ctx.expect((resp.header("X-Content-Type-Options") or "").lower() == "nosniff",
               "no X-Content-Type-Options: nosniff", resp)


@check("preview.does-not-bind", MUST, "4.1 (API parameters); 7.4 "
       "(ReadDisplayInformationFromMailbox)",
       "Fetching the preview binds nobody: after two GETs a receiver's read answers 200.")
def preview_does_not_bind(ctx):
    box = ctx.create()
    for _ in range(2):
        ctx.expect_status(ctx.call("GET", box.path), 200, "the preview")
    ctx.expect_status(ctx.read(box, new_uuid()), 200, "a receiver's read after the preview")
    ctx.expect_status(ctx.read(box, box.sender), 200, "the sender's read")


@check("preview.unchanged-by-read", RECOMMENDED, "project: ARCHITECTURE.md 3",
       "The preview is the same before and after the mailbox is read (it does not reveal "
       "whether anyone read).")
def preview_unchanged(ctx):
    box = ctx.create()
    before = ctx.call("GET", box.path)
    ctx.expect_status(ctx.read(box, new_uuid()), 200, "the receiver's read")
    after = ctx.call("GET", box.path)
    ctx.expect(before.status == after.status == 200 and before.body == after.body,
               "the preview changed after the read", before, after)


# ---------------------------------------------------------------- expiry

@check("expiry.default", MUST, "7.1.5 (CreateMailbox, Request body: mailboxConfiguration)",
       "Without mailboxConfiguration the relay applies a default: a read answers an "
       "expiration in the future.")
def expiry_default(ctx):
    box = ctx.create()
    resp = ctx.read(box, new_uuid())
    ctx.expect_status(resp, 200, "read")
    when = parse_rfc3339((resp.json() or {}).get("expiration"))
    ctx.expect(when is not None and when > time.time() - 60,
               "no future expiration in the read answer", resp)


@check("expiry.as-requested", SHOULD, "7.5.4 (ReadSecureContentFromMailbox, Responses: "
       "expiration)",
       "A read answers the expiration the sender set at creation (to the second).")
def expiry_as_requested(ctx):
    wanted = int(time.time()) + 3600
    box = ctx.create(expiration=rfc3339(wanted))
    resp = ctx.read(box, new_uuid())
    ctx.expect_status(resp, 200, "read")
    got = parse_rfc3339((resp.json() or {}).get("expiration"))
    ctx.expect(got is not None and abs(got - wanted) < 1,
               f"expiration {got} differs from the requested {rfc3339(wanted)}", resp)


@check("expiry.expired-404", MUST, "4 (Design Details); 8.2 (Credential's confidentiality "
       "and integrity)",
       "A mailbox past its expiration is gone: read, preview and delete answer 404 "
       "(--expiry-ttl sets how far ahead the check asks; skipped without it).",
       needs="expiry")
def expiry_expired(ctx):
    ttl = ctx.options.expiry_ttl
    expires = int(time.time() + ttl) + 1
    box = ctx.create(expiration=rfc3339(expires))
    receiver = new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the read before expiry")
    time.sleep(max(0.0, expires - time.time()) + 1.0)
    ctx.expect_status(ctx.read(box, receiver), 404, "the read after expiry")
    ctx.expect_status(ctx.call("GET", box.path), 404, "the preview after expiry")
    ctx.expect_status(ctx.call("DELETE", box.path, box.sender), 404, "a delete after expiry")


# ---------------------------------------------------------------- errors

@check("errors.bad-json-400", MUST, "7.1.6 (CreateMailbox, Responses: 400)",
       "A create whose body is not JSON answers 400.")
def errors_bad_json(ctx):
    resp = ctx.call("POST", "/v1/m", new_uuid(), raw=b'{"payload": ',
                    headers={"Content-Type": "application/json"})
    ctx.expect_status(resp, 400, "a create with a truncated JSON body")


@check("errors.missing-payload-400", MUST, "7.1.6 (CreateMailbox, Responses: 400)",
       "A create without the required payload answers 400.")
def errors_missing_payload(ctx):
    body = ctx.create_body()
    del body["payload"]
    ctx.expect_status(ctx.call("POST", "/v1/m", new_uuid(), body=body), 400,
                      "a create without payload")


@check("errors.bad-base64-400", SHOULD, "7.1.5 (CreateMailbox, Request body: payload.data)",
       "A create whose payload.data is not base64 answers 400 (the draft says data is "
       "base64; refusing what cannot be parsed is its 400).")
def errors_bad_base64(ctx):
    body = ctx.create_body()
    body["payload"]["data"] = "not base64!"
    ctx.expect_status(ctx.call("POST", "/v1/m", new_uuid(), body=body), 400,
                      "a create with bad base64")


@check("errors.update-missing-payload-400", MUST, "7.2 (UpdateMailbox: request body, "
       "Responses: 400)",
       "An update without the required payload answers 400.")
def errors_update_missing_payload(ctx):
    box = ctx.create(rights="RWD")
    ctx.expect_status(ctx.call("PUT", box.path, box.sender, body={}), 400,
                      "an update without payload")


@check("errors.malformed-id", MUST, "4.1 (API parameters: MailboxIdentifier)",
       "A mailbox identifier that is not a UUID is refused with 400 or 404, never served.")
def errors_malformed_id(ctx):
    for target in ("/v1/m/not-a-uuid", "/v1/m/..%2F..%2Fetc"):
        ctx.expect_status(ctx.call("POST", target, new_uuid()), (400, 404), "a read")
        ctx.expect_status(ctx.call("GET", target), (400, 404), "a preview")


@check("errors.request-id.echoed-on-error", MUST, "6.1 (Mailbox-Request-ID)",
       "An error answer (404) echoes the request's Mailbox-Request-ID too.")
def errors_request_id_echo(ctx):
    rid = new_uuid()
    resp = ctx.call("POST", "/v1/m/" + new_uuid(), new_uuid(), rid)
    ctx.expect_status(resp, 404, "a read of an unknown mailbox")
    got = resp.header("Mailbox-Request-ID")
    ctx.expect(got == rid, f"Mailbox-Request-ID answered {got!r}, sent {rid!r}", resp)


@check("errors.utf8-roundtrip", SHOULD, "5 (API connection details)",
       "Strings are UTF-8: a non-ASCII title reads back unchanged.")
def errors_utf8(ctx):
    title = "Clé de la voiture \u2014 \u8eca\u306e\u9375"
    box = ctx.create(title=title)
    resp = ctx.read(box, new_uuid())
    ctx.expect_status(resp, 200, "read")
    got = ((resp.json() or {}).get("displayInformation") or {}).get("title")
    ctx.expect(got == title, f"title read back as {got!r}", resp)


# ---------------------------------------------------------------- transport

@check("transport.https", MUST, "5 (API connection details)",
       "The relay is reached over https (the URL given to the runner).")
def transport_https(ctx):
    ctx.expect(ctx.client.scheme == "https",
               f"{ctx.client.base_url} is not an https URL")


@check("transport.tls-only", MUST, "8 (Security Considerations: Network attacks)",
       "The relay's port serves no plaintext HTTP request (a plaintext GET of a mailbox gets "
       "no answer, or a refusal such as 400; never 2xx, 3xx or the API's 404).")
def transport_tls_only(ctx):
    if ctx.client.scheme != "https":
        ctx.fail("the relay serves plaintext HTTP at the URL given")
    request = (f"GET /v1/m/{new_uuid()} HTTP/1.1\r\nHost: {ctx.client.host}\r\n"
               "Connection: close\r\n\r\n").encode()
    try:
        answer = ctx.client.raw_exchange(request, plaintext=True)
    except OSError:
        return
    ctx.evidence.append(f"plaintext GET -> {answer[:80]!r}")
    # A refusal in plain HTTP (nginx's 400 "plain HTTP request sent to HTTPS port") is
    # fine; a success, a redirect or the API's own 404 for the unknown mailbox is not.
    served = re.match(rb"^HTTP/1\.[01] ([0-9]{3})", answer)
    code = int(served.group(1)) if served else 0
    ctx.expect(not (200 <= code < 400 or code == 404),
               f"a plaintext request was served ({code})")


# ---------------------------------------------------------------- limits

@check("limits.body.oversize-refused", RECOMMENDED, "project: docs/relay.md (Limits the "
       "drafts leave open)",
       "A payload over --max-body raw bytes (default 65536) is refused with 413 or 400 "
       "(--max-body=0 skips).", needs="max_body")
def limits_oversize(ctx):
    size = ctx.options.max_body + 1
    body = ctx.create_body()
    body["payload"] = {"type": "AEAD_AES_128_GCM",
                       "data": base64.b64encode(b"\0" * size).decode()}
    resp = ctx.call("POST", "/v1/m", new_uuid(), body=body)
    ctx.expect_status(resp, (413, 400), f"a create with {size} payload bytes")


def _probe(ctx, send, what):
    for n in range(1, ctx.options.rate_probe + 1):
        resp = send()
        if resp.status == 429:
            ctx.evidence[:] = ctx.evidence[-3:]
            retry = resp.header("Retry-After") or ""
            ctx.expect(retry.isdigit() and int(retry) >= 1,
                       f"429 after {n} {what} without a Retry-After of whole seconds", resp)
            return
        ctx.evidence[:] = ctx.evidence[-3:]
    ctx.fail(f"{ctx.options.rate_probe} {what} from one address never answered 429")


@check("limits.rate.failed-lookups", RECOMMENDED, "8 (Security Considerations: "
       "MailboxIdentifier guessing); project: docs/relay.md",
       "Lookups of unknown mailbox ids from one address end in 429 with Retry-After "
       "(at most --rate-probe tries; --no-rate-limit skips).", needs="rate", order=1)
def limits_rate_lookups(ctx):
    _probe(ctx, lambda: ctx.call("POST", "/v1/m/" + new_uuid(), new_uuid()), "failed lookups")


@check("limits.rate.creates", RECOMMENDED, "project: docs/relay.md (Limits the drafts "
       "leave open)",
       "Creates from one address end in 429 with Retry-After (at most --rate-probe tries; "
       "--no-rate-limit skips).", needs="rate", order=2)
def limits_rate_creates(ctx):
    body = ctx.create_body(size=16)
    _probe(ctx, lambda: ctx.call("POST", "/v1/m", new_uuid(), body=body), "creates")


def requirement_skip(check_obj, options):
    """The reason a check is skipped by the options, or None."""
    if check_obj.needs == "rate" and not options.rate_limit:
        return "skipped (option --no-rate-limit)"
    if check_obj.needs == "expiry" and not options.expiry_ttl:
        return "skipped (option --expiry-ttl=skip)"
    if check_obj.needs == "max_body" and not options.max_body:
        return "skipped (option --max-body=0)"
    return None

