"""The workshop app (`cogov workshop`): a live, bilingual simulation in the browser for trainers.

`app` is the Solara page; `session` runs one browser's models (A, and B for A/B comparison) and
hands out immutable frames; `levers` reads the policy levers from the scenario schema; `controls`,
`mapview`, `charts` and `ticker` draw the side panel, the community map, the charts and tiles, and
the event ticker; `style` holds the CSS. Every string comes from sim/i18n's catalogues.
"""
