"""Action types and their Instagram rendering."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from igbot.channel import GraphStandIn
from igbot.models import parse_webhook
from tests.engine.conftest import make_engine, say, texts

RICH = """
name: rich
flows:
  main:
    intents:
      any: {initial: true}
      picked: {initial: true, type: data, condition: "payload.type == 'pizza'", priority: 1}
    states:
      s:
        initial: true
        end: true
        transitions:
          picked: "intent == 'picked'"
          s: {fallback: true}
        action:
          - {name: carousel, condition: "content == 'carousel'"}
          - {name: button, condition: "content == 'button'"}
          - {name: card, condition: "content == 'card'"}
          - {name: image, condition: "content == 'image'"}
          - {name: menu, condition: "content == 'menu'"}
          - {name: heart, condition: "content == 'heart'"}
          - {name: lineSticker, condition: "content == 'line'"}
          - {name: imagemap, condition: "content == 'imagemap'"}
          - {name: long, condition: "content == 'long'"}
          - {name: dynamic, condition: "content == 'dynamic'"}
      picked:
        end: true
        action: {name: text, options: {text: "You picked $(payload.pizza)"}}
    actions:
      carousel:
        type: template
        options:
          type: carousel
          items:
            - title: Pepperoni
              text: For pepperoni lovers
              thumbnailImageUrl: https://example.com/p.png
              actions:
                - {type: postback, label: Pepperoni, payload: {type: pizza, pizza: pepperoni}}
                - {type: url, label: More, url: https://example.com/p}
            - title: Veggie
              text: Lovely veggies
              actions:
                - {type: postback, label: Veggie, payload: {type: pizza, pizza: veggie}}
      button:
        type: template
        options:
          type: button
          items:
            text: Is that right?
            actions:
              - {type: postback, label: "Yes", payload: {type: confirm, confirm: "yes"}}
              - {type: url, label: Call us, url: "tel:0800"}
      card:
        type: template
        options:
          type: button
          items: {title: Contact, text: Reach us, actions: [{type: url, label: Web, url: https://example.com}]}
      image:
        type: template
        options: {type: image, items: {originalContentUrl: "https://example.com/$(content).png", previewImageUrl: x}}
      menu:
        type: template
        options:
          type: text
          items:
            text: Pick one
            quickreply:
              - {type: text, label: Promo, payload: {type: menu, item: promo}}
              - {type: text, label: Location}
      heart:
        type: template
        options: {type: sticker, items: {sticker: like_heart}}
      lineSticker:
        type: template
        options: {type: sticker, items: {stickerId: '13', packageId: '1'}}
      imagemap:
        type: template
        options: {type: imagemap, items: {baseUrl: https://example.com/m}}
      long:
        type: text
        options: {text: "$('😀'.repeat(300))"}
      dynamic:
        type: template
        options:
          type: carousel
          data: $(data.products)
          template:
            title: $[name]
            text: $[price] IDR
            actions: [{type: postback, label: Buy, payload: {type: buy, sku: "$[sku]"}}]
"""


def bodies(turn):
    return [r.body for r in turn.requests]


def test_carousel_becomes_a_generic_template_and_its_payload_round_trips() -> None:
    engine = make_engine(RICH)
    [body] = bodies(say(engine, "carousel"))
    assert body["recipient"] == {"id": "u1"}
    payload = body["message"]["attachment"]["payload"]
    assert payload["template_type"] == "generic"
    first = payload["elements"][0]
    assert (first["title"], first["subtitle"], first["image_url"]) == (
        "Pepperoni", "For pepperoni lovers", "https://example.com/p.png")
    postback = first["buttons"][0]
    assert postback["type"] == "postback" and postback["title"] == "Pepperoni"
    assert first["buttons"][1] == {"type": "web_url", "url": "https://example.com/p", "title": "More"}
    # the person taps it: Instagram sends the payload string back in a postback webhook
    webhook = {"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1, "messaging": [{
        "sender": {"id": "u1"}, "recipient": {"id": "17841400000000001"}, "timestamp": 1732500000000,
        "postback": {"mid": "m1", "title": "Pepperoni", "payload": postback["payload"]}}]}]}
    [event] = parse_webhook(webhook)
    assert event.to_message().payload["pizza"] == "pepperoni"
    turn = engine.handle_webhook(webhook)
    assert texts(turn) == ["You picked pepperoni"]


def test_button_without_title_is_a_button_template_and_non_web_links_are_reported() -> None:
    turn = say(make_engine(RICH), "button")
    payload = bodies(turn)[0]["message"]["attachment"]["payload"]
    assert payload["template_type"] == "button" and payload["text"] == "Is that right?"
    assert [b["title"] for b in payload["buttons"]] == ["Yes"]
    assert any("'tel'" in w for w in turn.record.warnings)


def test_button_with_title_is_a_one_card_generic_template() -> None:
    payload = bodies(say(make_engine(RICH), "card"))[0]["message"]["attachment"]["payload"]
    assert payload["template_type"] == "generic"
    assert payload["elements"][0]["title"] == "Contact"


def test_image_interpolates_its_url() -> None:
    [body] = bodies(say(make_engine(RICH), "image"))
    assert body["message"] == {"attachment": {"type": "image", "payload": {"url": "https://example.com/image.png"}}}


def test_quick_replies() -> None:
    [body] = bodies(say(make_engine(RICH), "menu"))
    assert body["message"]["text"] == "Pick one"
    chips = body["message"]["quick_replies"]
    assert [c["title"] for c in chips] == ["Promo", "Location"]
    assert chips[1]["payload"] == "Location"
    assert json.loads(chips[0]["payload"]) == {"type": "menu", "item": "promo"}


def test_like_heart_and_the_line_sticker_substitute() -> None:
    assert bodies(say(make_engine(RICH), "heart"))[0]["message"] == {"attachment": {"type": "like_heart"}}
    turn = say(make_engine(RICH), "line")
    assert bodies(turn)[0]["message"] == {"attachment": {"type": "like_heart"}}
    assert turn.record.actions[6].status == "substituted"
    assert any("LINE sticker 1/13" in w for w in turn.record.warnings)


def test_imagemap_is_a_clear_error_not_a_silent_drop() -> None:
    turn = say(make_engine(RICH), "imagemap")
    assert bodies(turn) == []
    assert any("imagemap is LINE-only" in e for e in turn.errors)


def test_long_text_is_split_at_emoji_boundaries() -> None:
    turn = say(make_engine(RICH), "long")
    parts = texts(turn)
    assert len(parts) == 2 and "".join(parts) == "😀" * 300
    assert all(len(p.encode()) <= 1000 for p in parts)


def test_dynamic_carousel_fills_items_from_data() -> None:
    engine = make_engine(RICH)
    session_data = {"products": [{"name": "Tote", "price": 100, "sku": "T1"}, {"name": "Cap", "price": 50, "sku": "C2"}]}
    from igbot.engine import Session

    engine.store.put(Session(user="u1", data=session_data), 0)
    payload = bodies(say(engine, "dynamic"))[0]["message"]["attachment"]["payload"]
    assert [(e["title"], e["subtitle"]) for e in payload["elements"]] == [("Tote", "100 IDR"), ("Cap", "50 IDR")]
    assert json.loads(payload["elements"][1]["buttons"][0]["payload"]) == {"type": "buy", "sku": "C2"}


class _Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/weather"):
            body, status = json.dumps({"main": {"temp": 301.5}, "q": self.path}).encode(), 200
        elif self.path.startswith("/text"):
            body, status = b"not json", 200
        else:
            body, status = b'{"error": "nope"}', 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


API_BOT = """
name: api
flows:
  main:
    intents: {any: {initial: true}}
    states:
      s:
        initial: true
        end: true
        transitions: {s: {fallback: true}}
        action:
          - {name: call}
          - {name: text, options: {text: "temp=$(result.main.temp) null=$(result === null)"}}
    actions:
      call: {type: api, options: {method: GET, uri: "URL/$(content)?city=$(content)"}}
"""


def test_api_action_result_and_non_200_or_non_json_gives_null(api_url: str) -> None:
    engine = make_engine(API_BOT.replace("URL", api_url))
    assert texts(say(engine, "weather")) == ["temp=301.5 null=false"]
    assert texts(say(engine, "text")) == ["temp= null=true"]
    assert texts(say(engine, "missing")) == ["temp= null=true"]


def test_api_action_network_error_is_recorded_and_result_is_null() -> None:
    engine = make_engine(API_BOT.replace("URL", "http://127.0.0.1:9"), api_timeout=2)
    turn = say(engine, "weather")
    assert texts(turn) == ["temp= null=true"]
    assert any(e.startswith("api GET http://127.0.0.1:9/weather") for e in turn.errors)


def test_api_handler_can_be_plugged_in() -> None:
    calls = []

    def fake(call):
        calls.append(call)
        return {"main": {"temp": 1}}

    engine = make_engine(API_BOT.replace("URL", "https://api.example.com"), api=fake)
    assert texts(say(engine, "x")) == ["temp=1 null=false"]
    assert calls[0].url == "https://api.example.com/x?city=x" and calls[0].method == "GET"


HANDOVER = """
name: handover
flows:
  main:
    intents:
      agent: {initial: true, condition: "content == 'agent'"}
      any: {initial: true}
    states:
      s:
        initial: true
        end: true
        transitions:
          human: "intent == 'agent'"
          s: {fallback: true}
        action: {name: text, options: {text: "Thanks for your comment!"}}
      human:
        end: true
        action: {name: toAgent}
    actions:
      toAgent: {type: handover, options: {text: "Connecting you to our team", metadata: {reason: asked}}}
"""


def test_handover_passes_the_thread_and_the_bot_stays_silent_until_resumed() -> None:
    engine = make_engine(HANDOVER)
    turn = say(engine, "agent")
    assert [r.endpoint for r in turn.requests] == ["messages", "pass_thread_control"]
    assert turn.requests[1].body == {"recipient": {"id": "u1"}, "target_app_id": "1217981644879628",
                                     "metadata": '{"reason": "asked"}'}
    assert turn.record.handover
    silent = say(engine, "hello?")
    assert silent.requests == [] and silent.record.agent_owned
    engine.resume("u1")
    assert texts(say(engine, "hello again")) == ["Thanks for your comment!"]


def test_comment_gets_one_private_reply() -> None:
    engine = make_engine(HANDOVER.replace(
        'action: {name: text, options: {text: "Thanks for your comment!"}}',
        'action: [{name: text, options: {text: "Thanks for your comment!"}}, {name: text, options: {text: "second"}}]'))
    comment = {"type": "data", "content": "how much?",
               "payload": {"type": "comment", "comment_id": "c-1", "media_id": "m-1"}}
    turn = engine.handle(comment, user="u5")
    assert [r.body["recipient"] for r in turn.requests] == [{"comment_id": "c-1"}]
    assert any("one private reply" in w for w in turn.record.warnings)


def test_handover_clears_the_stack_so_nothing_resumes_behind_the_agent() -> None:
    engine = make_engine(HANDOVER.replace(
        "      agent: {initial: true, condition: \"content == 'agent'\"}",
        "      agent: {initial: true, condition: \"content == 'agent'\"}\n"
        "      reenter: {type: command, condition: \"content == 'reenter'\"}").replace(
        "      s:\n        initial: true\n        end: true", "      s:\n        initial: true"))
    say(engine, "hello")  # main stays open at s
    session = engine.session("u1")
    assert session and session.flow == "main"
    turn = say(engine, "agent")
    assert [r.endpoint for r in turn.requests] == ["messages", "pass_thread_control"]
    session = engine.session("u1")
    assert session and session.stack == [] and session.agent


def test_strict_limits_record_a_typed_error_and_the_turn_goes_on() -> None:
    engine = make_engine(RICH, limits="strict")
    turn = say(engine, "long")
    assert bodies(turn) == []
    assert any("1000 bytes" in e or "1,000" in e for e in turn.errors), turn.errors


def test_static_replies_are_fresh_copies_each_time() -> None:
    engine = make_engine(RICH)
    first = bodies(say(engine, "menu"))[0]
    first["message"]["text"] = "changed by the caller"
    again = bodies(say(engine, "menu"))[0]
    assert again["message"]["text"] == "Pick one"
    line = say(engine, "line")
    assert line.record.actions[6].status == "substituted" and line.record.warnings


CONFORM = """
name: conform
flows:
  main:
    intents:
      any: {initial: true}
      next: {type: command, condition: content == "next", priority: 5}
    states:
      s:
        initial: true
        transitions:
          go: {condition: "true"}
      go:
        end: true
        action:
          - {name: cards, condition: "content == 'cards'"}
          - {name: titleOnly, condition: "content == 'titleonly'"}
          - {name: dynamicCards, condition: "payload && payload.rows"}
          - {name: after, condition: "content == 'cards' || content == 'titleonly' || (payload && payload.rows)"}
          - {name: nextAction, condition: "content == 'command'"}
          - {name: picture, condition: "content == 'image'"}
          - {name: noPicture, condition: "content == 'noimage'"}
        transitions:
          next: "intent == 'next'"
          go: {fallback: true}
      next:
        end: true
        action: {name: text, options: {text: "next reached"}}
    actions:
      cards:
        type: template
        options:
          type: carousel
          items:
            - {title: Only a title}
            - {title: Full, text: with a subtitle}
      titleOnly:
        type: template
        options: {type: carousel, items: [{title: A}, {title: B}]}
      dynamicCards:
        type: template
        options:
          type: carousel
          data: $(payload.rows)
          template: {title: "$[name]", text: "$[label]"}
      after: {type: text, options: {text: "still answering"}}
      nextAction:
        type: command
        command: next
      picture:
        type: image
        options: {originalContentUrl: "https://img.example/a.jpg", previewImageUrl: "https://img.example/p.jpg"}
      noPicture: {type: image}
"""


def test_a_card_with_only_a_title_is_left_out_and_the_turn_goes_on() -> None:
    # defect 1: a pydantic ValidationError escaped Engine.handle and the session was not saved
    engine = make_engine(CONFORM)
    turn = say(engine, "cards")
    (carousel, text) = (r.body["message"] for r in turn.requests)
    assert carousel["attachment"]["payload"]["elements"] == [{"title": "Full", "subtitle": "with a subtitle"}]
    assert text == {"text": "still answering"}
    assert any("card 1 ('Only a title')" in w and "card left out" in w for w in turn.record.warnings)
    turn = say(engine, "titleonly", user="u2")
    assert texts(turn) == ["still answering"]
    assert turn.errors == ["flow 'main' action 'titleOnly': template carousel: none of its 2 card(s) "
                           "can be sent (each needs a title and one more field)"]
    assert engine.session("u2") is not None  # saved


def test_a_dynamic_carousel_whose_data_lacks_fields_does_not_crash() -> None:
    engine = make_engine(CONFORM)
    rows = [{"name": "A"}, {"name": "B", "label": "b"}]
    turn = engine.handle({"type": "data", "payload": {"rows": rows}}, user="u1")
    elements = turn.requests[0].body["message"]["attachment"]["payload"]["elements"]
    assert elements == [{"title": "B", "subtitle": "b"}]
    assert texts(turn) == ["still answering"]


def test_kata_command_action_with_command_beside_type() -> None:
    # defect 3: `type: command` + `command: next` (concepts/action.md) fed content "None"
    turn = say(make_engine(CONFORM), "command")
    assert [r.message.get("content") for r in turn.records] == ["command", "next"]
    assert texts(turn) == ["next reached"]


def test_kata_image_action_sends_the_image() -> None:
    # defect 7: `type: image` failed with "not supported on Instagram (the person must write first)"
    engine = make_engine(CONFORM)
    turn = say(engine, "image")
    assert [r.body["message"] for r in turn.requests] == [
        {"attachment": {"type": "image", "payload": {"url": "https://img.example/a.jpg"}}}]
    turn = say(engine, "noimage", user="u3")
    assert turn.errors == ["flow 'main' action 'noPicture': image action 'noPicture' has no url "
                           "(options.originalContentUrl)"]


def _pass(user: str, new_owner: str) -> dict:
    return {"object": "instagram", "entry": [{"id": "acct", "time": 1, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": "acct"}, "timestamp": 1,
        "pass_thread_control": {"previous_owner_app_id": "1", "new_owner_app_id": new_owner}}]}]}


def test_only_a_pass_to_this_app_resumes_the_bot() -> None:
    # defect 4: neither the engine nor the server checked new_owner_app_id
    engine = make_engine(CONFORM, app_id="42")
    engine.mark_agent("u1")
    engine.handle_webhook(_pass("u1", "1217981644879628"))  # to the Instagram Inbox
    assert engine.session("u1").agent["app_id"] == "1217981644879628"
    engine.handle_webhook(_pass("u1", "777"))  # to yet another app: still not us
    assert engine.session("u1").agent["app_id"] == "777"
    assert say(engine, "image").requests == []  # the bot stays silent
    engine.handle_webhook(_pass("u1", "42"))
    assert engine.session("u1").agent is None
    assert say(engine, "image").requests


def test_without_its_app_id_the_engine_resumes_on_any_pass_but_to_the_inbox() -> None:
    engine = make_engine(CONFORM)
    engine.mark_agent("u1")
    engine.handle_webhook(_pass("u1", "1217981644879628"))
    assert engine.session("u1").agent is not None
    engine.handle_webhook(_pass("u1", "900"))
    assert engine.session("u1").agent is None


FEATURES = """
name: features
flows:
  main:
    intents:
      comment: {initial: true, type: data, condition: "payload.type == 'comment'", priority: 5}
      gotEmail: {initial: true, condition: "payload && payload.user_email", priority: 4}
      any: {initial: true}
    states:
      s:
        initial: true
        transitions:
          onComment: "intent == 'comment'"
          thanks: "intent == 'gotEmail'"
          dm: {fallback: true}
      onComment:
        end: true
        action:
          - {name: text, options: {text: "Hi! Here are the details"}}
          - {name: commentReply, options: {text: "Thanks $(metadata.username)! Check your DMs"}}
          - name: hideComment
            condition: "content == 'spam'"
      dm:
        end: true
        action:
          - {name: senderAction, options: {action: mark_seen}}
          - {name: senderAction, options: {action: typing_on}}
          - {name: react, options: {reaction: love}}
          - {name: share, condition: "content == 'post'"}
          - {name: gallery, condition: "content == 'photos'"}
          - {name: ask, condition: "content == 'contact'"}
          - {name: senderAction, options: {action: typing_off}}
      thanks:
        end: true
        action: {name: text, options: {text: "We will write to $(payload.user_email)"}}
    actions:
      share: {type: template, options: {type: share, items: {postId: "17900000000000009"}}}
      gallery:
        type: template
        options:
          type: image
          items:
            - {originalContentUrl: "https://img.example/1.jpg"}
            - {originalContentUrl: "https://img.example/2.jpg"}
      ask:
        type: template
        options:
          type: text
          items: {text: "How can we reach you?", quickreply: [{type: user_email}, {type: user_phone_number}]}
"""


def _dm(text: str, mid: str) -> dict:
    return {"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1, "messaging": [{
        "sender": {"id": "p1"}, "recipient": {"id": "17841400000000001"}, "timestamp": 1,
        "message": {"mid": mid, "text": text}}]}]}


def test_instagram_features_from_kataml_actions_end_to_end_against_the_stand_in() -> None:
    engine = make_engine(FEATURES)
    turns = [engine.handle_webhook(_dm("post", "m_post")), engine.handle_webhook(_dm("photos", "m_ph")),
             engine.handle_webhook(_dm("contact", "m_ct"))]
    comment = {"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1, "changes": [{
        "field": "comments", "value": {"id": "17900000000000077", "text": "spam",
                                       "from": {"id": "p2", "username": "ann"},
                                       "media": {"id": "1790000000000001"}}}]}]}
    turns.append(engine.handle_webhook(comment))
    email = {"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1, "messaging": [{
        "sender": {"id": "p1"}, "recipient": {"id": "17841400000000001"}, "timestamp": 2,
        "message": {"mid": "m_em", "text": "ann@example.com",
                    "quick_reply": {"payload": "ann@example.com"}}}]}]}
    turns.append(engine.handle_webhook(email))
    assert all(turn.errors == [] for turn in turns)
    first = [r.body for r in turns[0].requests]
    assert first[:3] == [
        {"recipient": {"id": "p1"}, "sender_action": "mark_seen"},
        {"recipient": {"id": "p1"}, "sender_action": "typing_on"},
        {"recipient": {"id": "p1"}, "sender_action": "react",
         "payload": {"message_id": "m_post", "reaction": "love"}}]
    assert first[3]["message"] == {"attachment": {"type": "MEDIA_SHARE",
                                                  "payload": {"id": "17900000000000009"}}}
    assert first[4] == {"recipient": {"id": "p1"}, "sender_action": "typing_off"}
    assert turns[1].requests[3].body["message"] == {"attachments": [
        {"type": "image", "payload": {"url": "https://img.example/1.jpg"}},
        {"type": "image", "payload": {"url": "https://img.example/2.jpg"}}]}
    assert turns[2].requests[3].body["message"]["quick_replies"] == [
        {"content_type": "user_email"}, {"content_type": "user_phone_number"}]
    private, public, hidden = turns[3].requests
    assert private.body["recipient"] == {"comment_id": "17900000000000077"}
    assert (public.endpoint, public.body) == ("comment_reply", {
        "comment_id": "17900000000000077", "message": "Thanks ann! Check your DMs"})
    assert (hidden.endpoint, hidden.body) == ("hide_comment",
                                              {"comment_id": "17900000000000077", "hide": True})
    assert texts(turns[4]) == ["We will write to ann@example.com"]
    # every request goes through the Graph client to the stand-in, which answers like Meta
    with GraphStandIn() as standin:
        client = standin.client()
        answers = [client.send_request(r.endpoint, r.body) for t in turns for r in t.requests]
        client.close()
    assert all(a is not None for a in answers)
    assert standin.comment_replies[0]["message"] == "Thanks ann! Check your DMs"
    assert standin.hidden_comments == {"17900000000000077"}
    assert [r.path for r in standin.requests if "17900000000000077" in r.path] == [
        "/v21.0/17900000000000077/replies", "/v21.0/17900000000000077"]


def test_instagram_actions_outside_their_place_are_typed_errors() -> None:
    engine = make_engine(FEATURES.replace("intent == 'comment'", "intent == 'nothing'"))
    comment = {"object": "instagram", "entry": [{"id": "a", "time": 1, "changes": [{
        "field": "comments", "value": {"id": "c1", "text": "hi", "from": {"id": "p3"}}}]}]}
    turn = engine.handle_webhook(comment)  # a comment lands in the DM state: no conversation
    assert any("a comment is not a conversation" in e for e in turn.errors)
    turn = engine.handle({"type": "text", "content": "x"}, user="u9")  # no message id to react to
    assert turn.errors == ["flow 'main' action 'react': react: the message has no id to react to"]
    assert len(turn.requests) == 3  # the rest of the state still ran


ROUTING = """
name: routing
config: {instagram: {thread_control: send_api}}
flows:
  main:
    intents:
      any: {initial: true}
    states:
      s:
        initial: true
        transitions:
          agent: "content == 'agent'"
          busy: {fallback: true}
      agent:
        end: true
        action: {name: handover, options: {text: "Passing you to our team"}}
      busy:
        end: true
        action:
          - {name: text, options: {text: "Still on it"}}
          - {name: extendThreadControl, options: {duration: 7200}}
"""


def test_send_api_thread_control_and_its_extension_chosen_by_configuration() -> None:
    engine = make_engine(ROUTING)
    extend = say(engine, "hmm", user="p1")
    turn = say(engine, "agent", user="p1")
    (passing,) = turn.requests
    assert passing.endpoint == "messages" and passing.body["thread_control"] == {
        "app_id": "1217981644879628", "control_type": "pass"}
    assert engine.session("p1").agent is not None and turn.record.handover
    assert extend.requests[1].endpoint == "extend_thread_control"
    assert extend.requests[1].body == {"recipient": {"id": "p1"}, "duration": 7200}
    with GraphStandIn() as standin:
        client = standin.client()
        for request in [*extend.requests, *turn.requests]:
            client.send_request(request.endpoint, request.body)
        client.close()
    assert standin.thread_extensions == [{"recipient": {"id": "p1"}, "duration": 7200}]
    assert standin.thread_owners["p1"] == "1217981644879628"
    # the Handover Protocol form stays the default
    default = make_engine(ROUTING.replace("thread_control: send_api", "thread_control: handover"))
    assert [r.endpoint for r in say(default, "agent").requests] == ["messages", "pass_thread_control"]
    bad = make_engine(ROUTING.replace("duration: 7200", "duration: 90000"))
    assert bad.handle({"type": "text", "content": "x"}, user="p2").errors == [
        "flow 'main' action 'extendThreadControl': extendThreadControl: duration 90000 must be 1 "
        "to 86400 seconds"]
