"""Checks of the mailbox operations: create and idempotency, read and binding,
update and rights, delete and relinquish (draft-vinokurov-tigress-http-00).

Sections are the draft's numbers with the section title after them, so a
reader can find the passage in any rendering of the draft.
"""

import concurrent.futures
import re

from framework import MUST, SHOULD, check, new_uuid

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                      re.IGNORECASE)
REFUSED_NO_CLAIM = (400, 401)


# ---------------------------------------------------------------- create

@check("create.ok", MUST, "7.1.6 (CreateMailbox, Responses)",
       "A valid create answers 200 with urlLink (string) and isPushNotificationSupported "
       "(boolean).")
def create_ok(ctx):
    box = ctx.create()
    ctx.shape(box.create_response, "CreateMailboxResponse", "create answer")


@check("create.produces-json", MUST, "7.1.4 (CreateMailbox, Produces)",
       "The create answer's Content-Type is application/json.")
def create_produces_json(ctx):
    box = ctx.create()
    media = box.create_response.media_type()
    ctx.expect(media == "application/json",
               f"Content-Type is {media!r}, not application/json", box.create_response)


@check("create.url-link", MUST, "4.3 (Share URL); 7.1.6 (CreateMailbox, Responses)",
       "urlLink is a full URL {host}/v1/m/{MailboxIdentifier} whose identifier is a UUID, "
       "and the link reaches the mailbox.")
def create_url_link(ctx):
    box = ctx.create()
    match = re.match(r"^https?://[^/?#]+(/[^?#]*)?/v1/m/([^/?#]+)$", box.url_link)
    ctx.expect(match is not None, f"urlLink {box.url_link!r} is not "
               "https://{host}/v1/m/{MailboxIdentifier}", box.create_response)
    ctx.expect(UUID_RE.match(match.group(2)) is not None,
               f"mailbox identifier {match.group(2)!r} is not a UUID", box.create_response)
    resp = ctx.call("POST", None, new_uuid(), url=box.url_link)
    ctx.expect_status(resp, 200, "a read at the urlLink")


@check("create.url-link.https", SHOULD, "8 (Security Considerations)",
       "urlLink uses the https scheme (URLs shown to users SHOULD include it).")
def create_url_link_https(ctx):
    box = ctx.create()
    ctx.expect(box.url_link.startswith("https://"), f"urlLink {box.url_link!r} is not https",
               box.create_response)


@check("create.id.uuid-v4", SHOULD, "8 (Security Considerations); 4 (Design Details)",
       "Mailbox identifiers are version 4 UUIDs (122 random bits), distinct over 8 creates.")
def create_id_uuid4(ctx):
    ids = [ctx.create().id for _ in range(8)]
    bad = [i for i in ids if not UUID4_RE.match(i)]
    ctx.expect(not bad, f"not a version 4 UUID: {bad[0] if bad else ''}")
    ctx.expect(len(set(ids)) == len(ids), "two creates got the same mailbox identifier")


@check("create.idempotent.repeat-201", MUST, "7.1.6 (CreateMailbox, Responses: 201); "
       "6.1 (Mailbox-Request-ID)",
       "A create repeated with the same claim and Mailbox-Request-ID answers 201.")
def create_repeat_201(ctx):
    sender, rid = new_uuid(), new_uuid()
    body = ctx.create_body()
    first = ctx.call("POST", "/v1/m", sender, rid, body=body)
    ctx.expect_status(first, 200, "first create")
    again = ctx.call("POST", "/v1/m", sender, rid, body=body)
    ctx.expect_status(again, 201, "the repeated create")


@check("create.idempotent.no-second-mailbox", MUST, "7.1.6 (CreateMailbox, Responses: 201)",
       "A repeated create makes no new mailbox: an answer with a urlLink names the first "
       "mailbox, and the first mailbox keeps the first payload.")
def create_no_second_mailbox(ctx):
    sender, rid = new_uuid(), new_uuid()
    body = ctx.create_body()
    first = ctx.call("POST", "/v1/m", sender, rid, body=body)
    ctx.expect_status(first, 200, "first create")
    link = (first.json() or {}).get("urlLink")
    changed = ctx.create_body()
    again = ctx.call("POST", "/v1/m", sender, rid, body=changed)
    other = (again.json() or {}).get("urlLink") if again.status < 300 else None
    ctx.expect(other is None or other == link,
               f"the repeat named another mailbox ({other!r} after {link!r})", again)
    read = ctx.call("POST", "/v1/m/" + link.rsplit("/", 1)[1], sender)
    ctx.expect_status(read, 200, "the sender's read")
    ctx.expect((read.json() or {}).get("payload") == body["payload"],
               "the repeated request's body replaced the first payload", read)


@check("create.claim-required", MUST, "6.2 (Mailbox-Device-Claim)",
       "A create without Mailbox-Device-Claim is refused (400 or 401).")
def create_claim_required(ctx):
    resp = ctx.call("POST", "/v1/m", None, new_uuid(), body=ctx.create_body())
    ctx.expect_status(resp, REFUSED_NO_CLAIM, "a create without a claim")


@check("create.request-id.echoed", MUST, "6.1 (Mailbox-Request-ID)",
       "The create answer echoes the request's Mailbox-Request-ID.")
def create_request_id_echoed(ctx):
    rid = new_uuid()
    resp = ctx.call("POST", "/v1/m", new_uuid(), rid, body=ctx.create_body())
    ctx.expect_status(resp, 200, "create")
    got = resp.header("Mailbox-Request-ID")
    ctx.expect(got == rid, f"Mailbox-Request-ID answered {got!r}, sent {rid!r}", resp)


@check("create.request-id.required", SHOULD, "7.1.2 (CreateMailbox, Request Parameters)",
       "A create without Mailbox-Request-ID is refused with 400 (the draft lists the header "
       "as required for create; it does not say the relay must refuse, hence SHOULD).")
def create_request_id_required(ctx):
    resp = ctx.call("POST", "/v1/m", new_uuid(), None, body=ctx.create_body())
    ctx.expect_status(resp, 400, "a create without Mailbox-Request-ID")


@check("create.default-rights", MUST, "7.1.5 (CreateMailbox, Request body: accessRights)",
       "Without accessRights the mailbox allows Read and Delete only: the receiver's update "
       "is refused with 401, its delete answers 200.")
def create_default_rights(ctx):
    box = ctx.create()
    receiver = new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's read")
    resp = ctx.call("PUT", box.path, receiver, body={"payload": ctx.create_body()["payload"]})
    ctx.expect_status(resp, 401, "an update without the W right")
    ctx.expect_status(ctx.call("DELETE", box.path, receiver), 200, "a delete (D right)")


# ---------------------------------------------------------------- read

@check("read.ok", MUST, "7.5.4 (ReadSecureContentFromMailbox, Responses)",
       "The receiver's first read answers 200 application/json with the payload and "
       "displayInformation the sender stored, and an expiration.")
def read_ok(ctx):
    body = ctx.create_body(title="Hotel pass")
    box = ctx.create(body=body)
    resp = ctx.read(box, new_uuid())
    ctx.expect_status(resp, 200, "the receiver's read")
    ctx.expect(resp.media_type() == "application/json",
               f"Content-Type is {resp.media_type()!r}", resp)
    ctx.shape(resp, "ReadSecureContentResponse", "read answer")
    out = resp.json()
    ctx.expect(out.get("payload") == body["payload"], "payload differs from the stored one",
               resp)
    ctx.expect(out.get("displayInformation") == body["displayInformation"],
               "displayInformation differs from the stored one", resp)


@check("read.expiration-format", SHOULD, "7.5.4 (ReadSecureContentFromMailbox, Responses)",
       "The read answer's expiration is \"YYYY-MM-DDThh:mm:ssZ\" (UTC).")
def read_expiration_format(ctx):
    box = ctx.create()
    resp = ctx.read(box, new_uuid())
    ctx.expect_status(resp, 200, "read")
    value = (resp.json() or {}).get("expiration")
    ctx.expect(isinstance(value, str) and re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", value) is not None,
        f"expiration {value!r} is not YYYY-MM-DDThh:mm:ssZ", resp)


@check("read.claim-required", MUST, "6.2 (Mailbox-Device-Claim)",
       "A read without Mailbox-Device-Claim is refused (400 or 401) and binds nobody.")
def read_claim_required(ctx):
    box = ctx.create()
    resp = ctx.call("POST", box.path, None, new_uuid())
    ctx.expect_status(resp, REFUSED_NO_CLAIM, "a read without a claim")
    ctx.expect_status(ctx.read(box, new_uuid()), 200, "a receiver's read afterwards")


@check("read.binding.second-reader-refused", MUST,
       "3.3 (Things to note); 8 (Security Considerations); 4.1 (API parameters)",
       "Once a receiver has read, another claim's read answers 401 without the payload.")
def read_second_reader(ctx):
    box = ctx.create()
    ctx.expect_status(ctx.read(box, new_uuid()), 200, "the first receiver's read")
    resp = ctx.read(box, new_uuid())
    ctx.expect_status(resp, 401, "a second receiver's read")
    ctx.expect(b"payload" not in resp.body, "the refusal carries the payload", resp)


@check("read.binding.first-reader-again", MUST, "4.1 (API parameters)",
       "The bound receiver reads again (200).")
def read_first_again(ctx):
    box = ctx.create()
    receiver = new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's first read")
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's second read")


@check("read.binding.sender-does-not-bind", MUST, "4.1 (API parameters)",
       "The sender reads its own mailbox (200) without becoming or blocking the receiver.")
def read_sender_no_bind(ctx):
    box = ctx.create()
    ctx.expect_status(ctx.read(box, box.sender), 200, "the sender's read")
    ctx.expect_status(ctx.read(box, new_uuid()), 200, "a receiver's read afterwards")
    ctx.expect_status(ctx.read(box, box.sender), 200, "the sender's read after binding")


@check("read.binding.race", MUST, "8 (Security Considerations); 3.3 (Things to note)",
       "N receivers racing for one mailbox (--readers): exactly one 200, every other 401.")
def read_race(ctx):
    box = ctx.create()
    claims = [new_uuid() for _ in range(ctx.options.readers)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(claims)) as pool:
        answers = list(pool.map(lambda c: ctx.read(box, c), claims))
    statuses = sorted(r.status for r in answers)
    wins = statuses.count(200)
    others = [s for s in statuses if s != 200]
    ctx.expect(wins == 1 and all(s == 401 for s in others),
               f"{len(claims)} racing readers got {statuses}: want one 200, the rest 401")


@check("read.unknown-404", MUST, "7.5.4 (ReadSecureContentFromMailbox, Responses)",
       "A read of an unknown mailbox identifier answers 404.")
def read_unknown(ctx):
    resp = ctx.call("POST", "/v1/m/" + new_uuid(), new_uuid())
    ctx.expect_status(resp, 404, "a read of an unknown mailbox")


# ---------------------------------------------------------------- update

def _bound_rw(ctx):
    box = ctx.create(rights="RWD")
    receiver = new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's read")
    return box, receiver


@check("update.ok", MUST, "7.2.6 (UpdateMailbox, Responses)",
       "The bound receiver's update (W right) answers 200 with isPushNotificationSupported, "
       "and the sender then reads the new payload.")
def update_ok(ctx):
    box, receiver = _bound_rw(ctx)
    new = ctx.create_body()["payload"]
    resp = ctx.call("PUT", box.path, receiver, body={"payload": new})
    ctx.expect_status(resp, 200, "the update")
    ctx.shape(resp, "UpdateMailboxResponse", "update answer")
    read = ctx.read(box, box.sender)
    ctx.expect_status(read, 200, "the sender's read")
    ctx.expect((read.json() or {}).get("payload") == new, "the sender read the old payload",
               read)


@check("update.repeat-201", MUST, "7.2.6 (UpdateMailbox, Responses: 201)",
       "An update repeated with the same claim and request id answers 201 and ignores the "
       "repeated body.")
def update_repeat(ctx):
    box, receiver = _bound_rw(ctx)
    rid = new_uuid()
    first = ctx.create_body()["payload"]
    ctx.expect_status(ctx.call("PUT", box.path, receiver, rid, body={"payload": first}), 200,
                      "the update")
    second = ctx.create_body()["payload"]
    resp = ctx.call("PUT", box.path, receiver, rid, body={"payload": second})
    ctx.expect_status(resp, 201, "the repeated update")
    read = ctx.read(box, box.sender)
    ctx.expect((read.json() or {}).get("payload") == first,
               "the repeated update changed the payload", read)


@check("update.stranger-401", MUST, "7.2.6 (UpdateMailbox, Responses); 4.1 (API parameters)",
       "An update by a claim that is not bound answers 401 and changes nothing.")
def update_stranger(ctx):
    box, _ = _bound_rw(ctx)
    before = ctx.read(box, box.sender).json()
    resp = ctx.call("PUT", box.path, new_uuid(), body={"payload": ctx.create_body()["payload"]})
    ctx.expect_status(resp, 401, "a stranger's update")
    after = ctx.read(box, box.sender)
    ctx.expect((after.json() or {}).get("payload") == (before or {}).get("payload"),
               "the refused update changed the payload", after)


@check("update.rights-401", MUST, "7.1.5 (CreateMailbox, Request body: accessRights)",
       "In a mailbox created with accessRights \"RD\", the receiver's update answers 401.")
def update_rights(ctx):
    box = ctx.create(rights="RD")
    receiver = new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's read")
    resp = ctx.call("PUT", box.path, receiver, body={"payload": ctx.create_body()["payload"]})
    ctx.expect_status(resp, 401, "an update without the W right")


@check("update.request-id.required", SHOULD, "7.2.2 (UpdateMailbox, Request Parameters)",
       "An update without Mailbox-Request-ID is refused with 400 and changes nothing (the "
       "draft lists the header as required; it does not say the relay must refuse).")
def update_request_id_required(ctx):
    box, receiver = _bound_rw(ctx)
    before = ctx.read(box, box.sender).json()
    resp = ctx.call("PUT", box.path, receiver, None,
                    body={"payload": ctx.create_body()["payload"]})
    ctx.expect_status(resp, 400, "an update without Mailbox-Request-ID")
    after = ctx.read(box, box.sender)
    ctx.expect((after.json() or {}).get("payload") == (before or {}).get("payload"),
               "the refused update changed the payload", after)


@check("update.unknown-404", MUST, "7.2.6 (UpdateMailbox, Responses)",
       "An update of an unknown mailbox answers 404.")
def update_unknown(ctx):
    resp = ctx.call("PUT", "/v1/m/" + new_uuid(), new_uuid(),
                    body={"payload": ctx.create_body()["payload"]})
    ctx.expect_status(resp, 404, "an update of an unknown mailbox")


@check("update.claim-required", MUST, "6.2 (Mailbox-Device-Claim)",
       "An update without Mailbox-Device-Claim is refused (400 or 401).")
def update_claim_required(ctx):
    box, _ = _bound_rw(ctx)
    resp = ctx.call("PUT", box.path, None, new_uuid(),
                    body={"payload": ctx.create_body()["payload"]})
    ctx.expect_status(resp, REFUSED_NO_CLAIM, "an update without a claim")


# ---------------------------------------------------------------- delete, relinquish

@check("delete.ok", MUST, "7.3.3 (DeleteMailbox, Responses)",
       "The sender's delete answers 200; afterwards read and preview answer 404.")
def delete_ok(ctx):
    box = ctx.create()
    receiver = new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's read")
    ctx.expect_status(ctx.call("DELETE", box.path, box.sender), 200, "the sender's delete")
    ctx.expect_status(ctx.read(box, receiver), 404, "a read after the delete")
    ctx.expect_status(ctx.call("GET", box.path), 404, "the preview after the delete")


@check("delete.by-receiver", MUST, "4 (Design Details); 7.3 (DeleteMailbox)",
       "The bound receiver may delete the mailbox (200), after which the sender gets 404.")
def delete_by_receiver(ctx):
    box = ctx.create()
    receiver = new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's read")
    ctx.expect_status(ctx.call("DELETE", box.path, receiver), 200, "the receiver's delete")
    ctx.expect_status(ctx.read(box, box.sender), 404, "the sender's read after the delete")


@check("delete.stranger-401", MUST, "7.3.3 (DeleteMailbox, Responses); 4.1 (API parameters)",
       "A delete by a claim that is not bound answers 401 and the mailbox stays.")
def delete_stranger(ctx):
    box = ctx.create()
    ctx.expect_status(ctx.read(box, new_uuid()), 200, "the receiver's read")
    ctx.expect_status(ctx.call("DELETE", box.path, new_uuid()), 401, "a stranger's delete")
    ctx.expect_status(ctx.read(box, box.sender), 200, "the sender's read afterwards")


@check("delete.rights-401", MUST, "7.1.5 (CreateMailbox, Request body: accessRights)",
       "In a mailbox created with accessRights \"RW\", the sender's delete answers 401.")
def delete_rights(ctx):
    box = ctx.create(rights="RW")
    ctx.expect_status(ctx.call("DELETE", box.path, box.sender), 401, "a delete without D")
    ctx.expect_status(ctx.read(box, box.sender), 200, "the sender's read afterwards")


@check("delete.repeat", SHOULD, "6.1 (Mailbox-Request-ID); 7.3.3 (DeleteMailbox, "
       "Responses: 404)",
       "A delete repeated with the same claim and request id answers 201 (6.1) or 404 "
       "(7.3.3 allows 404 for a duplicate delete), never a second 200.")
def delete_repeat(ctx):
    box = ctx.create()
    rid = new_uuid()
    ctx.expect_status(ctx.call("DELETE", box.path, box.sender, rid), 200, "the delete")
    ctx.expect_status(ctx.call("DELETE", box.path, box.sender, rid), (201, 404),
                      "the repeated delete")


@check("delete.unknown-404", MUST, "7.3.3 (DeleteMailbox, Responses)",
       "A delete of an unknown mailbox answers 404.")
def delete_unknown(ctx):
    ctx.expect_status(ctx.call("DELETE", "/v1/m/" + new_uuid(), new_uuid()), 404,
                      "a delete of an unknown mailbox")


@check("delete.claim-required", MUST, "4.1 (API parameters); 7.3.2 (DeleteMailbox, "
       "Request Parameters)",
       "A delete without Mailbox-Device-Claim is refused (400 or 401) and the mailbox stays.")
def delete_claim_required(ctx):
    box = ctx.create()
    resp = ctx.call("DELETE", box.path, None, new_uuid())
    ctx.expect_status(resp, REFUSED_NO_CLAIM, "a delete without a claim")
    ctx.expect_status(ctx.read(box, box.sender), 200, "the sender's read afterwards")


@check("delete.relinquish.rebinds", MUST, "7.6 (RelinquishMailbox)",
       "The bound receiver's relinquish answers 200; then a new receiver binds (200) and the "
       "old one is refused (401).")
def relinquish_rebinds(ctx):
    box = ctx.create()
    first, second = new_uuid(), new_uuid()
    ctx.expect_status(ctx.read(box, first), 200, "the first receiver's read")
    ctx.expect_status(ctx.call("PATCH", box.path, first), 200, "the relinquish")
    ctx.expect_status(ctx.read(box, second), 200, "a new receiver's read")
    ctx.expect_status(ctx.read(box, first), 401, "the old receiver's read")


@check("delete.relinquish.repeat-201", MUST, "7.6.3 (RelinquishMailbox, Responses: 201)",
       "A relinquish repeated with the same claim and request id answers 201.")
def relinquish_repeat(ctx):
    box = ctx.create()
    receiver, rid = new_uuid(), new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's read")
    ctx.expect_status(ctx.call("PATCH", box.path, receiver, rid), 200, "the relinquish")
    ctx.expect_status(ctx.call("PATCH", box.path, receiver, rid), 201, "the repeat")


@check("delete.relinquish.not-bound-401", MUST, "7.6.3 (RelinquishMailbox, Responses)",
       "A relinquish by a claim that is not the bound receiver (a stranger, or the sender) "
       "answers 401, and the receiver stays bound.")
def relinquish_not_bound(ctx):
    box = ctx.create()
    receiver = new_uuid()
    ctx.expect_status(ctx.read(box, receiver), 200, "the receiver's read")
    ctx.expect_status(ctx.call("PATCH", box.path, new_uuid()), 401, "a stranger's relinquish")
    ctx.expect_status(ctx.call("PATCH", box.path, box.sender), 401, "the sender's relinquish")
    ctx.expect_status(ctx.read(box, new_uuid()), 401, "a new receiver's read afterwards")


@check("delete.relinquish.unknown-404", MUST, "7.6.3 (RelinquishMailbox, Responses)",
       "A relinquish of an unknown mailbox answers 404.")
def relinquish_unknown(ctx):
    ctx.expect_status(ctx.call("PATCH", "/v1/m/" + new_uuid(), new_uuid()), 404,
                      "a relinquish of an unknown mailbox")
