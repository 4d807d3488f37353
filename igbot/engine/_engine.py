"""The flow engine: one incoming message in, Instagram requests and a record out.

A turn: load the session; select the flow and intent (:mod:`igbot.engine._select`); run the
state's ``transit``; pick the transition (highest priority, then order; else the fallback one,
floats included); run its ``mapping``, the old state's ``exit`` and the new state's ``enter``;
run the new state's actions. ``command`` actions re-enter the bot at once (up to
``config.maxRecursion`` in one turn). When an end state is reached its flow closes (``context``
dies) and the flow below on the stack resumes with ``{type: command, content: "reenter"}``.
Then the session is saved (optimistically: a concurrent write raises :class:`igbot.ConflictError`).
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from igbot._errors import ExpressionError, MethodError, RecursionLimitError
from igbot._message import KataMessage, Message, MessageView
from igbot.engine._actions import ActionRunner, ApiCall, TurnContext
from igbot.engine._dispatch import OwnMessages, dispatch_into, handle_event
from igbot.engine._js import JSRuntime
from igbot.engine._nlu import Classifier, NluRunner
from igbot.engine._outcome import Outcome
from igbot.engine._records import TransitionTrial, Turn, TurnRecord, TurnTrace
from igbot.engine._scope import CompiledMapping, Scope, compile_mapping, mapping_reads_context
from igbot.engine._select import Selection, Selector, check_condition
from igbot.engine._session import Session
from igbot.engine._store import SessionStore, SqliteStore
from igbot.expr import Expression, compile_expr
from igbot.kataml import Bot, Flow, State, Transition, load_bot
from igbot.models import OutboundRequest, decode_messages, parse_webhook
from igbot.vocab import INSTAGRAM_INBOX_APP_ID

__all__ = ["Engine"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_RECURSION = 3  # the platform's default


class Engine:
    """Runs a Kata-ML bot on Instagram messages.

    Args:
        bot: a loaded :class:`~igbot.kataml.Bot`, or a path to load.
        store: where sessions live; default a SQLite file ``<data_dir>/sessions.sqlite``
            (use :class:`MemoryStore` for notebooks and tests).
        classifier: the pluggable cloud NLU (``classifier(name, nlu, message, options)``).
        api: answers ``api`` actions (``api(ApiCall) -> result``); default: real HTTP via httpx.
        seed: seeds the choice among text variants (for reproducible tests).
        limits: ``"lenient"`` (split/trim like Instagram, with warnings) or ``"strict"``.
        clock: seconds since the epoch (for flows' ``expire``; tests pass a fake one).
        deployment_id: ``context.$deploymentId`` (default: the bot's ``id``, else its name,
            with its ``version``).
        app_id: this app's id: a ``pass_thread_control`` resumes the bot only when it passes the
            thread to this app. Unknown (None): any pass but one to ``agent_app_id`` or Meta's
            Inbox resumes.
    """

    def __init__(
        self, bot: Bot | str | Path, store: SessionStore | None = None, *,
        data_dir: str | Path = "igbot-data", classifier: Classifier | None = None,
        api: Callable[[ApiCall], Any] | None = None, api_timeout: float = 10.0,
        js_time_limit: float = 1.0, js_memory_limit: int = 32 * 1024 * 1024,
        seed: int | None = None, channel: str = "instagram", limits: str = "lenient",
        agent_app_id: str = INSTAGRAM_INBOX_APP_ID, clock: Callable[[], float] = time.time,
        deployment_id: str | None = None, app_id: str | None = None,
        trace: bool = False,
    ) -> None:
        self.app_id = app_id
        self.bot = bot if isinstance(bot, Bot) else load_bot(bot)
        name = self.bot.id or self.bot.name
        self.deployment_id = deployment_id or (
            f"{name}@{self.bot.version}" if name and self.bot.version else name)
        self.trace = trace
        self.store = store if store is not None else SqliteStore(Path(data_dir) / "sessions.sqlite")
        self.channel = channel
        self.clock = clock
        self.js = JSRuntime(js_time_limit, js_memory_limit)
        self.nlu = NluRunner(self.bot, self.js, classifier)
        self.selector = Selector(self.bot, self.nlu)
        self.limits = limits
        self.actions = ActionRunner(
            self.bot, self.js, api, api_timeout, limits, random.Random(seed), agent_app_id
        )
        config = self.bot.config or {}
        self.max_recursion = int(config.get("maxRecursion") or DEFAULT_MAX_RECURSION)
        self._config = config
        self.compile_errors = self._compile_all()
        self._expiring = any(flow.expire is not None for flow in self.bot.flows.values())

    # -- public API -------------------------------------------------------------------------

    def handle(self, message: Message | dict[str, Any], user: str | None = None) -> Turn:
        """Process one Kata message from ``user`` (default: ``metadata.senderId``)."""
        msg = message if isinstance(message, Message) else Message.model_validate(message)
        user = user or msg.user_id
        if not user:
            raise ValueError("handle() needs a user: pass user=... or metadata.senderId")
        turn = Turn()
        self.handle_into(turn, msg, user)
        return turn

    def handle_into(self, turn: Turn, msg: KataMessage, user: str) -> None:
        """:meth:`handle` of a Kata message, appending its requests and records to ``turn``
        (the dispatcher's outcome: no turn of its own to make and merge)."""
        store, channel = self.store, self.channel
        session = store.get(channel, user) or Session(channel=channel, user=user)
        expected = session.version
        if session.agent:
            record = self._record(session, msg, 0)
            record.agent_owned = True
            turn.records.append(record)
        else:
            expired = self._expire(session) if self._expiring else None
            records = turn.records
            first = len(records)
            # _turn_context and _process, inlined (two calls less per event); requests go to
            # the turn
            payload = msg.payload
            comment_id = (payload.get("comment_id")
                          if payload and payload.get("type") == "comment" else None)
            ctx = TurnContext(session, {"id": session.user}, str(comment_id) if comment_id else None,
                              False, 0, turn.requests, turn)
            if self.trace:
                self._process(ctx, turn, msg, 0)
            else:
                record = TurnRecord.of(session.user, msg, 0, session.flow, session.state)
                records.append(record)
                self._turn(ctx, turn, msg, 0, record, None, True)
            if expired and len(turn.records) > first:
                turn.records[first].warnings.insert(
                    0, f"flow {expired!r} expired before this message")
        session.updated_at = self.clock()
        store.put(session, expected)

    def _expire(self, session: Session) -> str | None:
        """Close the current flow (and stacked ones) whose ``expire`` (ms) has passed since the
        conversation's last message; returns the current flow's name if it expired."""
        if not self._expiring or session.version == 0:
            return None
        idle_ms = (self.clock() - session.updated_at) * 1000
        if idle_ms <= 0:
            return None

        def expired(name: str | None) -> bool:
            flow = self.bot.flows.get(name or "")
            return flow is not None and flow.expire is not None and idle_ms > flow.expire

        session.stack = [frame for frame in session.stack if not expired(frame.flow)]
        if not expired(session.flow):
            return None
        name = session.flow
        session.last_flow, session.last_state = session.flow, session.state
        session.flow, session.state, session.context = None, None, {}
        return name

    def handle_event(self, event: Any, *, conversation: str | None = None,
                     is_ours: OwnMessages | None = None) -> Outcome:
        """What one parsed webhook event means (see :mod:`igbot.engine._dispatch`): its turn,
        log rows, policy notes, redactions and thread changes, as an :class:`Outcome`.

        Args:
            event: an :class:`igbot.models.Event` (from :func:`igbot.parse_webhook`) or the fast
                path's :class:`igbot.models.Incoming` (:func:`igbot.models.read_webhook`).
            conversation: the log's conversation id (default: the person, else the comment).
            is_ours: ``is_ours(mid)``, asked of an echo not carrying this app's ``app_id``:
                whether the bot sent that message (the server's outbox knows).
        """
        return handle_event(self, event, conversation=conversation, is_ours=is_ours)

    def handle_webhook(self, body: bytes | str | dict[str, Any]) -> Outcome:
        """Parse a raw Instagram webhook and handle every event in it, in time order, as the
        server does (:meth:`handle_event`); returns their outcomes merged into one."""
        outcome = Outcome()
        # read_webhook, inlined: a person's messages and taps need no pydantic events
        events = decode_messages(body)
        for event in parse_webhook(body) if events is None else events:
            dispatch_into(outcome, self, event)
        return outcome

    def session(self, user: str) -> Session | None:
        """The stored session of ``user``, if any."""
        return self.store.get(self.channel, user)

    def reset(self, user: str) -> None:
        """Forget ``user``'s conversation."""
        self.store.delete(self.channel, user)

    def mark_agent(self, user: str, *, by: str = "agent", app_id: str | None = None) -> None:
        """Record that a human agent owns ``user``'s thread (the bot stays silent)."""
        session = self.store.get(self.channel, user) or Session(channel=self.channel, user=user)
        expected = session.version
        session.agent = {"app_id": app_id or self.actions.agent_app_id, "by": by}
        self.store.put(session, expected)

    def owns(self, app_id: str | None) -> bool:
        """Whether a thread passed to ``app_id`` is the bot's (see ``app_id`` above)."""
        if app_id is None:
            return True  # the body does not say: a pass to us is the only one we receive
        if self.app_id is not None:
            return str(app_id) == str(self.app_id)
        return str(app_id) not in (self.actions.agent_app_id, INSTAGRAM_INBOX_APP_ID)

    def passed_to(self, user: str, app_id: str | None) -> Turn:
        """A ``pass_thread_control`` webhook: the bot resumes only if the thread came to this
        app; a pass between other apps (say to the Instagram Inbox) leaves the bot silent."""
        if self.owns(app_id):
            return self.resume(user)
        self.mark_agent(user, by="agent", app_id=app_id)
        return Turn()

    def resume(self, user: str) -> Turn:
        """The agent gave the thread back: the bot answers again.

        Flows open before the handover are closed (the agent handled that conversation). If
        ``config.instagram.resume`` names a command, it is fed to the bot now, so a flow can
        greet the person back; otherwise the bot waits for the person's next message.
        """
        session = self.store.get(self.channel, user)
        turn = Turn()
        if session is None or not session.agent:
            return turn
        expected = session.version
        session.agent = None
        session.stack = []
        session.close_flow()
        resume = ((self.bot.config or {}).get("instagram") or {}).get("resume")
        if resume:
            msg = Message(type="command", content=str(resume), metadata={"senderId": user})
            ctx = self._turn_context(session, msg)
            self._process(ctx, turn, msg, 0)
            turn.requests.extend(ctx.requests)
        self.store.put(session, expected)
        return turn

    def close(self) -> None:
        """Release the HTTP client and the store."""
        self.actions.close()
        if hasattr(self.store, "close"):
            self.store.close()

    # -- one message ------------------------------------------------------------------------

    def _turn_context(self, session: Session, msg: KataMessage,
                      requests: list[OutboundRequest] | None = None) -> TurnContext:
        payload = msg.payload
        comment_id = (payload.get("comment_id")
                      if payload and payload.get("type") == "comment" else None)
        return TurnContext(session, {"id": session.user},
                           str(comment_id) if comment_id else None, False, 0,
                           [] if requests is None else requests)

    def _record(self, session: Session, msg: KataMessage, depth: int) -> TurnRecord:
        record = TurnRecord.of(session.user, msg, depth, session.flow, session.state)
        if self.trace:
            record.trace = TurnTrace(context_before=copy.deepcopy(session.context),
                                     data_before=copy.deepcopy(session.data))
        return record

    def _process(
        self, ctx: TurnContext, turn: Turn, msg: KataMessage, depth: int,
        forced: Selection | None = None, run_actions: bool = True,
    ) -> None:
        session = ctx.session
        if ctx.turn is None:
            ctx.turn = turn  # where the commands of its actions go
        if not self.trace:  # _record, inlined: a call less per message
            record = TurnRecord.of(session.user, msg, depth, session.flow, session.state)
            turn.records.append(record)
            self._turn(ctx, turn, msg, depth, record, forced, run_actions)
            return
        record = self._record(session, msg, depth)
        turn.records.append(record)
        first = len(ctx.requests)
        try:
            self._turn(ctx, turn, msg, depth, record, forced, run_actions)
        finally:
            trace = record.trace
            assert trace is not None  # the engine traces
            trace.context_after = copy.deepcopy(session.context)
            trace.data_after = copy.deepcopy(session.data)
            trace.requests = list(ctx.requests[first:])

    def _turn(
        self, ctx: TurnContext, turn: Turn, msg: KataMessage, depth: int, record: TurnRecord,
        forced: Selection | None, run_actions: bool,
    ) -> None:
        session = ctx.session
        trials = record.trace.intents if record.trace is not None else None
        scope = Scope(msg, session, self._config, self.clock, self.deployment_id)
        cache: dict[Any, Any] = {}
        selector = self.selector
        if forced is not None:
            selection = forced
        elif msg.type == "command" and msg.content == "reenter" and depth > 0:
            found = session.flow and selector.best(
                session.flow, msg, scope.variables(trials is not None or selector.reads_context),
                False, cache, record.errors, trials, "reenter")
            if not found:
                record.warnings.append(f"flow {session.flow!r} has no intent for 'reenter'; it waits")
                return
            selection = Selection(session.flow, found[0], found[1], False, "current")
        else:
            selection = selector.select(
                session.flow, msg, scope.variables(trials is not None or selector.reads_context),
                cache, record.errors, trials)
        if record.trace is not None:
            record.trace.via = selection.via
        if selection.flow is None:
            record.errors.append("no flow matched and the bot has no fallback flow")
            return
        flow_name = selection.flow
        if session.flow != flow_name:
            self._switch(session, flow_name)
        scope.init = session.state is None  # entering the flow afresh (context.$init)
        record.intent, record.attributes = selection.intent, selection.attributes
        record.is_fallback = selection.is_fallback
        scope.intent, scope.attributes = selection.intent, selection.attributes
        states = self._states.get(flow_name)
        if states is None:  # a flow added to the bot after the engine read it
            states = self._states[flow_name] = _compile_states(self.bot.flows[flow_name])
        state_name = session.state or self._initial_states.get(flow_name)
        if state_name is None and flow_name not in self._initial_states:
            state_name = self.bot.flows[flow_name].initial_state()
        state = None if state_name is None else states.get(state_name)
        if state is None:
            record.errors.append(f"flow {flow_name!r} has no initial state")
            return
        scope.meta = {"$start": state.initial, "$end": state.end}
        if state.transit:
            self._mapping(scope, state.transit, record, "state {0!r} transit", state_name)
        if record.trace is not None:
            flow = self.bot.flows[flow_name]
            picked = self._pick_traced(flow, state.state, scope.variables(), record)
            dest, mapping, label = ((None, None, "") if picked is None else
                                    (picked[0], picked[1].mapping, f"{state_name}->{picked[0]}"))
        else:
            chosen = self._pick(state, scope, record)
            dest, mapping, label = (None, None, "") if chosen is None else chosen[1:]
        if dest is None:
            session.state = state_name
            record.flow, record.state = flow_name, state_name
            record.warnings.append(f"flow {flow_name!r} state {state_name!r}: no transition matched")
            return
        new_state = states.get(dest)
        if new_state is None:
            session.state = state_name
            record.errors.append(
                f"flow {flow_name!r} state {state_name!r}: transition to missing state {dest!r}"
            )
            return
        if mapping:
            self._mapping(scope, mapping, record, "transition {0}->{1} mapping", state_name, dest)
        scope.meta["$to"] = dest
        if state.exit:
            self._mapping(scope, state.exit, record, "state {0!r} exit", state_name)
        session.last_state, session.state = state_name, dest
        scope.meta = {"$from": state_name, "$start": new_state.initial, "$end": new_state.end}
        if new_state.enter:
            self._mapping(scope, new_state.enter, record, "state {0!r} enter", dest)
        record.transition = label
        record.flow, record.state = flow_name, dest
        if not run_actions:
            return
        self.actions.run_state(ctx, scope, flow_name, new_state.action, record,
                               self._action_command)
        if session.agent:
            session.stack = []  # handed over: nothing resumes behind the agent's back
        if new_state.end and session.flow == flow_name and session.state == dest:
            resumed = session.close_flow()
            record.flow_ended = True
            if resumed is not None:
                reenter = MessageView("command", "reenter", None, msg.metadata)
                self._command(ctx, turn, reenter, depth, record)

    def _action_command(self, ctx: TurnContext, msg: KataMessage, parent: TurnRecord) -> None:
        """A ``command`` action's message: re-enter the bot below ``parent`` (the record of
        the message whose state ran the action), into the turn of ``ctx``."""
        self._command(ctx, ctx.turn, msg, parent.depth, parent)

    def _command(self, ctx: TurnContext, turn: Turn, msg: KataMessage, depth: int,
                 parent: TurnRecord) -> None:
        if ctx.commands >= self.max_recursion:
            error = RecursionLimitError(
                f"command {msg.content!r}: more than config.maxRecursion={self.max_recursion} "
                "commands in one turn; stopped"
            )
            parent.errors.append(str(error))
            logger.warning("%s (user %s)", error, ctx.session.user)
            return
        ctx.commands += 1
        self._process(ctx, turn, msg, depth + 1)

    def _switch(self, session: Session, flow: str) -> None:
        """Make ``flow`` current: stack (or close, if volatile) the current one, resume ``flow``
        from the stack if it waits there."""
        if session.flow == flow:
            return
        if session.flow is not None:
            if session.flow in self._volatile_flows:
                session.last_flow, session.last_state = session.flow, session.state
            else:
                session.push_current()
        session.last_flow = session.flow or session.last_flow
        frame = session.take_from_stack(flow)
        if frame is not None:
            session.flow, session.state, session.context = frame.flow, frame.state, frame.context
        else:
            session.flow, session.state, session.context = flow, None, {}

    def _pick(self, state: _CompiledState, scope: Scope,
              record: TurnRecord) -> _Picked | None:
        """The transition taken out of ``state`` (its sort key, destination, mapping and
        ``"state->dest"``), else ``None``."""
        # the highest priority wins, then the order; else the best fallback (every condition
        # is evaluated, so a broken one is reported whichever transition is taken); the best
        # of the transitions without a condition and the best fallback were found at load
        best = state.unconditional
        conditional = state.conditional
        if conditional:
            variables: dict[str, Any] | None = None  # made for the first condition
            for picked, condition in conditional:
                try:
                    if isinstance(condition, ExpressionError):
                        raise condition
                    if variables is None:
                        variables = scope.variables(state.reads_context)
                    if condition.holds(variables) and (best is None or picked[0] < best[0]):
                        best = picked
                except ExpressionError as exc:
                    record.errors.append(f"transition to {picked[1]!r}: {exc}")
        return best or state.fallback

    def _pick_traced(
        self, flow: Flow, state: State, variables: dict[str, Any], record: TurnRecord,
    ) -> tuple[str, Transition] | None:
        """:meth:`_pick`, recording every candidate with its condition's values and why it
        was taken or not."""
        assert record.trace is not None
        candidates = list(state.transitions.items())
        candidates += [(name, s.float) for name, s in flow.states.items() if s.float is not None]
        source = next((name for name, s in flow.states.items() if s is state), "?")
        trials: list[TransitionTrial] = []
        best: tuple[float, int] | None = None
        fallback: tuple[float, int] | None = None
        own = len(state.transitions)
        for i, (dest, t) in enumerate(candidates):
            trial = TransitionTrial(source, dest, False, "", priority=t.priority or 0,
                                    fallback=bool(t.fallback), float=i >= own)
            trials.append(trial)
            key = (-(t.priority or 0), i)
            if t.fallback and (fallback is None or key < fallback):
                fallback = key
            if t.condition is None and t.fallback:
                trial.reason = "fallback: taken only when no other transition matches"
                continue
            if t.condition is None:
                trial.reason = "no condition: always matches"
                holds = True
            else:
                trial.condition = check_condition(t.condition, variables)
                if trial.condition.error is not None:
                    record.errors.append(f"transition to {dest!r}: {trial.condition.error}")
                    trial.reason = f"condition failed: {trial.condition.error}"
                    continue
                holds = trial.condition.holds
                trial.reason = "condition holds" if holds else "condition is false"
            if holds and (best is None or key < best):
                best = key
        chosen = best or fallback
        record.trace.transitions = trials
        if chosen is None:
            return None
        index = chosen[1]
        for i, trial in enumerate(trials):
            if i == index:
                trial.taken = True
                if best is None:  # the fallback, chosen because nothing else held
                    trial.reason = "fallback: taken because no other transition matched"
            elif best is not None and trial.reason in ("condition holds",
                                                        "no condition: always matches"):
                trial.reason += f"; {trials[index].dest!r} wins (higher priority or first)"
        return candidates[index]

    def _mapping(self, scope: Scope, mapping: Any, record: TurnRecord, where: str,
                 *names: Any) -> None:
        """Run a mapping (or a mapping method); an error goes to the record, said as
        ``where.format(*names)`` (formatted only then)."""
        if not mapping:
            return
        try:
            if isinstance(mapping, str):
                method = self.bot.find_method(mapping, scope.session.flow)
                if method is None:
                    raise MethodError(f"method {mapping!r} is not defined")
                scope.apply_method_ctx(self.js.call(method, [scope.method_ctx()]))
            else:
                compiled = self._mappings.get(id(mapping))
                if compiled is None or compiled[0] is not mapping:
                    compiled = self._mappings[id(mapping)] = _compile_mapping(mapping)
                scope.apply_mapping(compiled[1], compiled[2])
        except (ExpressionError, MethodError, KeyError) as exc:
            record.errors.append(f"{where.format(*names)}: {exc}")

    def _compile_all(self) -> list[str]:
        errors = self._compile_conditions()
        # every mapping read once (by the id of the bot's dict, which the bot keeps alive)
        self._mappings: dict[int, tuple[Any, CompiledMapping, bool]] = {}
        for flow in self.bot.flows.values():
            for state in flow.states.values():
                mappings = [state.transit, state.enter, state.exit]
                mappings += [t.mapping for t in state.transitions.values()]
                if state.float is not None:
                    mappings.append(state.float.mapping)
                for mapping in mappings:
                    if mapping and not isinstance(mapping, str):
                        self._mappings[id(mapping)] = _compile_mapping(mapping)
        self._initial_states = {name: flow.initial_state() for name, flow in self.bot.flows.items()}
        self._states: dict[str, dict[str, _CompiledState]] = {
            name: _compile_states(flow) for name, flow in self.bot.flows.items()}
        self._volatile_flows = {name for name, flow in self.bot.flows.items() if flow.volatile}
        return errors

    def _compile_conditions(self) -> list[str]:
        """Compile every condition once at load time; returns the syntax errors found."""
        errors = []
        for flow_name, flow in self.bot.flows.items():
            sources = [c for i in flow.intents.values() for c in i.condition]
            for state in flow.states.values():
                sources += [t.condition for t in state.transitions.values() if t.condition]
                if state.float is not None and state.float.condition:
                    sources.append(state.float.condition)
                sources += [a.condition for a in state.action if a.condition]
            for source in sources:
                try:
                    compile_expr(source)
                except ExpressionError as exc:
                    errors.append(f"flow {flow_name!r}: {exc}")
        return errors




_CompiledTransition = tuple[tuple[float, int], str, bool, Any,
                            Expression | ExpressionError | None]
"""A transition read once: its sort key, destination, whether it is a fallback, its mapping
and its compiled condition (or the syntax error it gave)."""


_Picked = tuple[tuple[float, int], str, Any, str]
"""A transition as the pick returns it: its sort key, destination, mapping and
``"state->dest"`` (the record's ``transition``)."""


class _CompiledState:
    """What a turn reads of a state, read once at load as plain attributes (a pydantic
    model's attributes cost several times a plain object's)."""

    __slots__ = ("action", "conditional", "end", "enter", "exit", "fallback", "initial",
                 "reads_context", "state", "transit", "transitions", "unconditional")

    def __init__(self, flow: Flow, name: str, state: State) -> None:
        self.state = state
        self.initial, self.end = bool(state.initial), bool(state.end)
        self.transit, self.enter, self.exit = state.transit, state.enter, state.exit
        self.action = state.action
        self.transitions, self.reads_context = _compile_transitions(flow, state)
        # what :meth:`Engine._pick` reads: the transitions with a condition, in order; the
        # best of those without one (not fallbacks); the best fallback, with or without one
        # (each as its sort key, destination and mapping)
        self.conditional = [((key, dest, mapping, f"{name}->{dest}"), condition)
                            for key, dest, _, mapping, condition in self.transitions
                            if condition is not None]
        self.unconditional = min(((key, dest, mapping, f"{name}->{dest}")
                                  for key, dest, is_fallback, mapping, condition in self.transitions
                                  if condition is None and not is_fallback),
                                 key=lambda t: t[0], default=None)
        self.fallback = min(((key, dest, mapping, f"{name}->{dest}")
                             for key, dest, is_fallback, mapping, _ in self.transitions
                             if is_fallback), key=lambda t: t[0], default=None)


def _compile_mapping(mapping: Any) -> tuple[Any, CompiledMapping, bool]:
    """A mapping read once: itself (to check the id it is filed under), compiled, and whether
    it reads ``context`` (else its variables are built without it)."""
    compiled = compile_mapping(mapping)
    return mapping, compiled, mapping_reads_context(compiled)


def _compile_states(flow: Flow) -> dict[str, _CompiledState]:
    return {name: _CompiledState(flow, name, state) for name, state in flow.states.items()}


def _compile_transitions(flow: Flow, state: State) -> tuple[list[_CompiledTransition], bool]:
    """A state's transitions and then its flow's floats, each with its sort key (highest
    priority first, then order) and its condition compiled (or the syntax error it gave); and
    whether any condition reads ``context``."""
    candidates = list(state.transitions.items())
    candidates += [(name, s.float) for name, s in flow.states.items() if s.float is not None]
    out: list[_CompiledTransition] = []
    for i, (dest, t) in enumerate(candidates):
        condition: Expression | ExpressionError | None = None
        if t.condition is not None:
            try:
                condition = compile_expr(t.condition)
            except ExpressionError as exc:
                condition = exc
        out.append(((-(t.priority or 0), i), dest, bool(t.fallback), t.mapping, condition))
    reads_context = any(isinstance(c[4], Expression) and "context" in c[4].names() for c in out)
    return out, reads_context
