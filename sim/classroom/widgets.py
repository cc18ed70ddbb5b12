"""A participant's controls, drawn and stepped in the browser.

A room's pages share one Python process: a decision that redraws its page there costs every
other page of the room its share of that time (about 15 ms for a participant's page, with forty
sending at once). So a tap on − or + changes only the page, and *Send* calls the server once, which
answers by setting two fields of the one control — nothing else on the page is redrawn. The
values a control can take and their labels come from the server (`sim.classroom.words`), so a
number is formatted in one place.
"""

from __future__ import annotations

import ipyvuetify as v
import traitlets

#: what a control's `on_send` returns: the answer's kind ("ok" or "refused") and its text
Answer = tuple[str, str]

_ANSWER = """<span v-if="answer && answered_round === round" :class="'cr-message cr-' + answer_kind">{{ answer }}</span>"""


class Countdown(v.VuetifyTemplate):
    """The seconds left to decide, counted down in the browser from the value the server last
    sent: no message a second from the server to every page."""

    template = traitlets.Unicode("""
<template><span :class="look" ref="out">{{ label.replace("{seconds}", String(Math.ceil(seconds))) }}</span></template>
<script>
module.exports = {
  mounted() {
    this.since = Date.now();
    this.tick = setInterval(() => {
      const left = Math.max(0, Math.ceil(this.seconds - (Date.now() - this.since) / 1000));
      if (this.$refs.out) { this.$refs.out.textContent = this.label.replace("{seconds}", String(left)); }
    }, 250);
  },
  destroyed() { clearInterval(this.tick); },
  watch: { seconds() { this.since = Date.now(); } },
};
</script>""").tag(sync=True)
    seconds = traitlets.Float(0).tag(sync=True)
    label = traitlets.Unicode("{seconds}").tag(sync=True)
    look = traitlets.Unicode("cr-timer").tag(sync=True)  # its CSS classes (VueTemplate's own `css` is taken)


class _Answered(v.VuetifyTemplate):
    """A control that sends a value and shows the server's answer under it, in the round it was
    sent (a decision sent in an earlier round has been applied since)."""

    answer = traitlets.Unicode("").tag(sync=True)
    answer_kind = traitlets.Unicode("ok").tag(sync=True)
    round = traitlets.Int(0).tag(sync=True)
    answered_round = traitlets.Int(-1).tag(sync=True)
    on_send = traitlets.Any(None)  # value → Answer, called by the server when the page sends

    def answer_with(self, value: float) -> None:
        self.answer_kind, self.answer = self.on_send(value)
        self.answered_round = self.round


class Stepper(_Answered):
    """A number set with − and + over `values` (shown as `labels`), then sent."""

    template = traitlets.Unicode("""
<template>
  <div>
    <div style="display: flex; align-items: center; gap: 10px; flex-wrap: wrap">
      <v-btn class="cr-big cr-minus" @click="at = Math.max(0, at - 1)">−</v-btn>
      <span class="cr-value">{{ labels[at] }}</span>
      <v-btn class="cr-big cr-plus" @click="at = Math.min(labels.length - 1, at + 1)">+</v-btn>
      <v-btn class="cr-big cr-send" color="primary" @click="send_index(at)">{{ send_label }}</v-btn>
    </div>
    """ + _ANSWER + """
  </div>
</template>
<script>
module.exports = {
  data() { return { at: 0 }; },  // called without `this` by ipyvue: the start is set once created
  created() { this.at = this.start; },
  watch: { start(value) { this.at = value; } },
};
</script>""").tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    start = traitlets.Int(0).tag(sync=True)
    send_label = traitlets.Unicode("").tag(sync=True)
    values = traitlets.List(traitlets.Float())  # the server's own: the page sends an index into them

    def vue_send_index(self, index) -> None:
        if isinstance(index, int) and 0 <= index < len(self.values):
            self.answer_with(self.values[index])


class Choices(_Answered):
    """One button per value; a tap sends it, and the button last sent this round shows as chosen."""

    template = traitlets.Unicode("""
<template>
  <div>
    <div style="display: flex; gap: 6px; flex-wrap: wrap">
      <v-btn v-for="(label, i) in labels" :key="i" color="primary" :outlined="!(chosen === i && answered_round === round)"
             :class="['cr-big', 'cr-choice', 'cr-choice-' + names[i]].concat(chosen === i && answered_round === round ? ['cr-chosen'] : [])"
             @click="send_index(i)">{{ label }}</v-btn>
    </div>
    """ + _ANSWER + """
  </div>
</template>""").tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    names = traitlets.List(traitlets.Unicode()).tag(sync=True)  # CSS names of the values (cr-choice-…)
    chosen = traitlets.Int(-1).tag(sync=True)
    values = traitlets.List(traitlets.Float())

    def vue_send_index(self, index) -> None:
        if isinstance(index, int) and 0 <= index < len(self.values):
            self.answer_with(self.values[index])
            if self.answer_kind == "ok":
                self.chosen = index

