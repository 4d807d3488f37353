"""Send API attachments: media, templates (generic carousel, button), like_heart, media share.

Each model is tagged (``type`` or ``template_type``) and names the Meta limit beside the field it
limits (``json_schema_extra={"limit": ...}``, numbers in :mod:`igbot.models._limits`). Limits are
not enforced on construction, so a too-long title can be built, checked and fixed:
:func:`igbot.models.check_limits` and :func:`igbot.models.apply_limits`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from igbot.models._limits import limit

__all__ = [
    "Attachment",
    "Button",
    "ButtonTemplate",
    "DefaultAction",
    "GenericElement",
    "GenericTemplate",
    "LikeHeartAttachment",
    "MediaAttachment",
    "MediaPayload",
    "MediaShareAttachment",
    "MediaSharePayload",
    "PostbackButton",
    "TemplateAttachment",
    "WebUrlButton",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MediaPayload(_Model):
    """Where a media attachment comes from: a ``url`` or an uploaded ``attachment_id``."""

    url: str | None = None
    attachment_id: str | None = None
    is_reusable: bool | None = None

    @model_validator(mode="after")
    def _one_source(self) -> MediaPayload:
        if (self.url is None) == (self.attachment_id is None):
            raise ValueError("a media payload needs exactly one of url and attachment_id")
        return self


class MediaAttachment(_Model):
    """An image (png, jpeg, 8 MB), audio, video or file (25 MB)."""

    type: Literal["image", "audio", "video", "file"]
    payload: MediaPayload


class WebUrlButton(_Model):
    """A button that opens a web page."""

    type: Literal["web_url"] = "web_url"
    url: str
    title: str = Field(json_schema_extra=limit("button_title"))


class PostbackButton(_Model):
    """A button whose tap comes back as a postback with ``payload`` (see ``encode_payload``)."""

    type: Literal["postback"] = "postback"
    title: str = Field(json_schema_extra=limit("button_title"))
    payload: str = Field(json_schema_extra=limit("postback_payload"))


Button = Annotated[WebUrlButton | PostbackButton, Field(discriminator="type")]


class DefaultAction(_Model):
    """What tapping a card (not a button) opens."""

    type: Literal["web_url"] = "web_url"
    url: str


class GenericElement(_Model):
    """One card of a generic template: a title plus at least one other field."""

    title: str = Field(json_schema_extra=limit("element_title"))
    subtitle: str | None = Field(default=None, json_schema_extra=limit("element_subtitle"))
    image_url: str | None = None
    default_action: DefaultAction | None = None
    buttons: list[Button] | None = Field(default=None, json_schema_extra=limit("buttons"))

    @model_validator(mode="after")
    def _title_and_more(self) -> GenericElement:
        if not any((self.subtitle, self.image_url, self.default_action, self.buttons)):
            raise ValueError(
                "a generic template card needs a title plus at least one of subtitle, "
                "image_url, default_action or buttons"
            )
        return self


class GenericTemplate(_Model):
    """A carousel of cards."""

    template_type: Literal["generic"] = "generic"
    elements: list[GenericElement] = Field(min_length=1, json_schema_extra=limit("elements"))


class ButtonTemplate(_Model):
    """A text with one to three buttons under it."""

    template_type: Literal["button"] = "button"
    text: str = Field(json_schema_extra=limit("button_template_text"))
    buttons: list[Button] = Field(min_length=1, json_schema_extra=limit("buttons"))


class TemplateAttachment(_Model):
    """A generic or button template."""

    type: Literal["template"] = "template"
    payload: Annotated[GenericTemplate | ButtonTemplate, Field(discriminator="template_type")]


class LikeHeartAttachment(_Model):
    """The heart sticker."""

    type: Literal["like_heart"] = "like_heart"


class MediaSharePayload(_Model):
    """The Instagram post to share (its media id)."""

    id: str


class MediaShareAttachment(_Model):
    """Shares one of the account's posts (``{"type": "MEDIA_SHARE", "payload": {"id": ...}}``)."""

    type: Literal["MEDIA_SHARE"] = "MEDIA_SHARE"
    payload: MediaSharePayload


Attachment = Annotated[
    MediaAttachment | TemplateAttachment | LikeHeartAttachment | MediaShareAttachment,
    Field(discriminator="type"),
]
"""Any single attachment of an outbound message, tagged by ``type``."""

