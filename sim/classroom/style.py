"""The classroom pages' CSS, on top of the workshop's (sim.webapp.style): a participant's page is
one column sized for a phone (390 px and up), with touch targets of at least 56 px."""

CLASSROOM_CSS = """
.cr-root { min-height: 100vh; }
.cr-header.v-sheet, .cr-header { padding: 10px 14px; }
.cr-phone { width: 100%; max-width: 560px; margin: 0 auto; padding: 12px; box-sizing: border-box; }
.cr-root.v-sheet { background: #eef0f3 !important; }
.cr-card.v-sheet, .cr-card { background: #fff !important; border: 1px solid #dde1e6; border-radius: 10px; padding: 12px 14px; }
.cr-role { font-size: 1.35rem; font-weight: 800; display: block; }
.cr-round-line { font-size: 1.05rem; font-weight: 700; display: block; }
.cr-timer { font-size: 1.5rem; font-weight: 800; color: #a61b1b; display: block; }
.cr-phase-playing .cr-timer { color: #1f5fa8; }
.cr-number { font-size: 2.2rem; font-weight: 800; color: #1f5fa8; display: block; line-height: 1.1; }
.cr-cases { display: flex; flex-wrap: wrap; gap: 6px; margin: 2px 0 6px 0; }
.cr-chip { background: #f1f3f6; border-radius: 16px; padding: 6px 12px; font-size: 1rem; }
.cr-decision { border-top: 1px dashed #e3e6ea; padding-top: 8px; }
.cr-decision-label { font-size: 1.05rem; font-weight: 700; display: block; }
.cr-root .cr-big.v-btn { min-height: 56px !important; min-width: 56px !important; font-size: 1.35rem; border-radius: 10px; }
.cr-root .cr-send.v-btn { flex: 1 1 auto; }
/* a household's choices: long labels wrap inside the phone's width */
.cr-root .cr-choice.v-btn { max-width: 100%; height: auto !important; padding-top: 8px; padding-bottom: 8px; font-size: 1.15rem; }
.cr-root .cr-choice.v-btn .v-btn__content { white-space: normal; flex: 1 1 auto; text-align: left; line-height: 1.25; }
.cr-dispute { border: 1px solid #e3e6ea; border-radius: 8px; padding: 8px; }
.cr-value { font-size: 1.7rem; font-weight: 800; min-width: 3.2em; text-align: center; font-variant-numeric: tabular-nums; }
.cr-message { font-size: 1rem; font-weight: 600; display: block; }
.cr-ok { color: #1e8449; } .cr-refused { color: #a61b1b; }
.cr-join .v-input input { font-size: 1.3rem; min-height: 44px; }
.cr-join .cr-join-button.v-btn { width: 100%; }
.cr-qr svg { width: 150px; height: 150px; display: block; }
.cr-code-big { font-size: 2.4rem; font-weight: 900; letter-spacing: .12em; font-family: monospace; display: block; }
.cr-console-timer { font-size: 1.3rem; }
.cr-people, .cr-pending, .cr-log { font-size: .88rem; line-height: 1.4; }
.cr-away { color: #888; }
.cr-console .cg-side { --cg-side: 420px; }
.cr-side > * { flex: 0 0 auto; }
.cr-console .cg-map img { max-height: 44vh; }
.cr-console .cg-ticker { max-height: 50vh; overflow-y: auto; }
.cr-debrief-day .v-slider { margin: 0 8px; }
.cr-journey { font-size: .95rem; line-height: 1.45; }
"""

__all__ = ["CLASSROOM_CSS"]
