"""The page's CSS: a calm default, and presentation mode (larger type, stronger contrast) for
projectors. Fonts are the system's (no web fonts are fetched): a CJK sans-serif is listed for
Chinese on Windows, macOS and Linux."""

from ..metrics import METRICS
from .charts import tick_css

FONT = ('system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC", "Noto Sans SC", '
        '"Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif')

CSS = """
.cg-root { font-family: __FONT__; color: #1b1b1b; background: #f4f5f7; height: 100vh;
           --cg-accent: #a61b1b; --cg-side: 390px; font-size: 15px; }
.cg-root .v-application, .cg-root .v-btn, .cg-root .v-label, .cg-root input { font-family: __FONT__ !important; }
.cg-root.v-sheet, .cg-root { background: #f4f5f7 !important; }
.cg-header.v-sheet, .cg-header { background: var(--cg-accent) !important; color: #fff !important; padding: 8px 16px; align-items: center; flex-wrap: wrap; }
.cg-root .v-btn { text-transform: none; letter-spacing: normal; }
.cg-header .v-sheet { background: transparent !important; color: #fff !important; }
.cg-header .cg-lang.v-btn { color: #fff !important; border-color: #fff !important; min-width: 64px; }
.cg-header .cg-lang-on.v-btn { background: #fff !important; color: var(--cg-accent) !important; font-weight: 700; }
.cg-header .cg-title { font-size: 1.35rem; font-weight: 700; letter-spacing: .02em; }
.cg-header .cg-subtitle { font-size: .95rem; opacity: .9; }
.cg-header .v-input--switch .v-label { color: #fff !important; }
.cg-header .v-input--selection-controls { margin-top: 0; padding-top: 0; }
.cg-body { align-items: stretch; flex-wrap: nowrap; flex: 1 1 0; min-height: 0; }
.cg-side.v-sheet { background: #fff !important; }
.cg-side { width: var(--cg-side); min-width: var(--cg-side); max-width: var(--cg-side);
           overflow-y: auto; padding: 10px; background: #fff; border-right: 1px solid #d8dbe0; }
.cg-main.v-sheet { background: transparent !important; }
.cg-main { flex: 1 1 auto; min-width: 0; overflow-y: auto; padding: 12px 16px 40px 16px; }
.cg-section { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 10px 12px; margin-bottom: 10px; }
.cg-h2 { font-size: 1.2rem; font-weight: 700; display: block; margin: 2px 0 4px 0; }
.cg-h3 { font-size: 1.02rem; font-weight: 700; display: block; }
.cg-muted { color: #555; font-size: .88rem; display: block; line-height: 1.35; }
.cg-error { color: #a61b1b; font-size: .9rem; font-weight: 600; display: block; }
.cg-dayline { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
.cg-day { font-size: 1.6rem; font-weight: 800; }
.cg-rate { color: #555; font-size: .95rem; }
.cg-lever { padding: 2px 0 4px 0; border-top: 1px dashed #e3e6ea; }
.cg-lever-head { justify-content: space-between; align-items: baseline; font-size: .92rem; }
.cg-lever-value { font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cg-lever-range { color: #777; font-size: .78rem; white-space: nowrap; }
.cg-lever-section { margin: 6px 0 8px 0; padding: 6px 8px; border-left: 4px solid var(--cg-accent); background: #fbfbfc; }
.cg-lever-section.cg-off { border-left-color: #c3c7cd; }
.cg-lever-section .v-input--selection-controls { margin-top: 0; padding-top: 0; }
.cg-lever-section .v-input__slot { margin-bottom: 0; }
.cg-group-head.v-btn { width: 100%; justify-content: space-between; font-weight: 700; font-size: .98rem; height: auto !important; min-height: 40px; padding: 6px 8px !important; white-space: normal; text-align: left; background: #f1f3f6 !important; margin-top: 6px; }
.cg-group-head .v-btn__content { white-space: normal; flex: 1 1 auto; justify-content: flex-start; gap: 6px; }
.cg-group-about { color: #444; font-size: .88rem; margin: 0 0 6px 0; display: block; }
.cg-tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; margin: 6px 0 10px 0; }
.cg-tile-b-row { display: block; }
.cg-tile-metric { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 8px 12px; min-width: 0; }
.cg-tile-label { font-size: .85rem; color: #444; display: block; line-height: 1.25; min-height: 2.1em; }
.cg-tile-value { font-size: 2.0rem; font-weight: 800; color: #1f5fa8; font-variant-numeric: tabular-nums; display: block; line-height: 1.15; }
.cg-tile-b { white-space: nowrap; font-size: 1.0rem; font-weight: 700; color: #d35400; font-variant-numeric: tabular-nums; }
.cg-tile-delta { white-space: nowrap; font-size: .9rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.cg-better { color: #1e8449; } .cg-worse { color: #a61b1b; } .cg-same { color: #666; }
.cg-live-row { align-items: flex-start; flex-wrap: wrap; }
.cg-map { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 8px; flex: 1 1 420px; min-width: 320px; }
.cg-map img { width: auto; height: auto; max-width: 100%; max-height: 78vh; }
.cg-ticker { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 8px 10px; height: 100%; }
.cg-ticker-line { display: flex; gap: 6px; align-items: baseline; font-size: .92rem; line-height: 1.35; }
.cg-ticker-mark { font-weight: bold; min-width: 1.1em; }
.cg-ticker .cg-h3 { margin-bottom: 4px; }
.cg-ticker-day { font-weight: 700; white-space: nowrap; color: #333; }
.cg-ticker-box .cg-ticker { max-height: 60vh; overflow-y: auto; }
.cg-ticker-link { cursor: pointer; border-radius: 4px; }
.cg-ticker-link:hover { background: #eef3fb; }
.cg-journey, .cg-journey.v-sheet { background: #fffbea !important; border: 2px solid #b9770e; border-radius: 8px; padding: 8px 10px; }
.cg-journey-step { display: flex; gap: 6px; align-items: baseline; font-size: .92rem; line-height: 1.35; }
.cg-journey-outcome { font-weight: 700; margin-top: 4px; }
.cg-legend { font-size: .85rem; color: #333; }
.cg-legend-row { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; margin: 3px 0; }
.cg-legend-note { color: #555; font-size: .82rem; margin-top: 2px; }
.cg-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: middle; margin-right: 2px; }
.cg-ramp { display: inline-block; width: 140px; height: 12px; border-radius: 2px; vertical-align: middle; }
.cg-charts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px; }
.cg-chart { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 8px 10px 4px 10px; }
.cg-chart-legend { font-size: .82rem; display: flex; flex-wrap: wrap; gap: 2px 12px; }
.cg-legend-item svg { vertical-align: middle; margin-right: 4px; }
.cg-charts-head { flex: none !important; margin: 0 !important; }
.cg-runs-legend { font-size: .9rem; }
.cg-plot { position: relative; width: 100%; aspect-ratio: 56 / 30; color: #4a4a4a; line-height: 1; container-type: size; }
.cg-plot .cg-chart-svg { position: absolute; overflow: visible; }
.cg-plot span, .cg-changes span { position: absolute; white-space: nowrap; font-family: __FONT__; line-height: 1.2; }
.cg-changes { position: relative; width: 100%; flex: none; }
.cg-plot .cg-tick-y { transform: translateY(-50%); text-align: right; }
.cg-plot .cg-tick-x { transform: translateX(-50%); }
.cg-plot .cg-dot { border-radius: 50%; transform: translate(-50%, -50%); }
.cg-changes .cg-change-label { transform: translateX(4px); }
.cg-changes .cg-change-label-end { transform: translateX(calc(-100% - 4px)); }
.cg-city { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 8px; margin-bottom: 10px; }
.cg-street { min-width: 13em; font-size: .85rem; color: #444; }
.cg-tile.v-btn { color: #111 !important; font-weight: 600; letter-spacing: 0; }
.cg-tile-selected.v-btn { outline: 3px solid #111; }
.cg-message { background: #fdecea; border: 1px solid #a61b1b; color: #7a1010; border-radius: 8px; padding: 8px 12px; margin-bottom: 10px; }
.cg-ab-title { font-weight: 800; }
.cg-side-by-side { flex: 1 1 420px; min-width: 0; }
.cg-stage-map, .cg-stage-charts { min-width: 0; }

/* a wide live view (a 1920 x 1080 projector, or 1280 x 720 with the panel hidden): map and ticker on
   the left, the six charts beside them, the stage filling the height the day line and tiles
   leave, so nothing scrolls */
.cg-main { container-type: inline-size; }
@container (min-width: 1000px) {
  .cg-live { flex: 1 1 0; }
  .cg-stage { flex: 1 1 0; min-height: 540px; display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.1fr);
              grid-template-rows: minmax(0, 1fr); gap: 12px; }
  .cg-stage-map { min-height: 0; overflow-y: auto; }
  .cg-stage .cg-live-row { flex: 1 1 0; min-height: 0; flex-wrap: nowrap; align-items: stretch; }
  .cg-stage .cg-map { flex: 1 1 auto; min-width: 0; overflow: hidden; }
  .cg-stage .cg-map img { max-height: calc(100vh - 56px - 400px); }
  /* the map shrinks to the height its box has (presentation mode's larger tiles and type leave less) */
  .cg-stage .cg-live-row > .cg-map > div:has(> img) { flex: 1 1 0; min-height: 0; }
  .cg-stage .cg-live-row > .cg-map img { max-height: 100%; }
  .cg-stage .cg-live-row > .cg-ticker-box { flex: 0 1 300px !important; min-width: 240px !important; min-height: 0; }
  .cg-stage .cg-side-by-side .cg-map { flex: 0 0 auto; }
  /* each run's map titled on one line (the runs' legend above the charts names them in full) */
  .cg-stage .cg-side-by-side .cg-map .cg-h3 { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .cg-stage .cg-side-by-side .cg-map img { max-height: 34vh; }
  .cg-present .cg-stage .cg-side-by-side .cg-map img { max-height: 26vh; }  /* whole below the larger type */
  .cg-stage .cg-side-by-side .cg-ticker-box { flex: 1 1 auto !important; min-width: 0 !important; min-height: 0; }
  .cg-stage .cg-side-by-side .cg-ticker { max-height: calc(100vh - 56px - 330px - 34vh); min-height: 100px; }
  .cg-stage .cg-live-row .cg-ticker { max-height: calc(100vh - 56px - 460px); overflow-y: auto; }
  .cg-stage-charts { min-height: 0; display: flex; flex-direction: column; }
  .cg-stage-charts > div { flex: 1 1 0; min-height: 0; overflow-y: auto; }
  /* a chart is never squeezed below a readable plot: on a screen too short for six, the charts scroll */
  .cg-stage .cg-charts { flex: 1 1 0; min-height: 0; grid-template-columns: repeat(2, minmax(0, 1fr));
                         grid-template-rows: repeat(3, minmax(min-content, 1fr)); gap: 8px; }
  .cg-stage .cg-chart { display: flex; flex-direction: column; min-height: 0; overflow: hidden; }
  /* six charts on one screen: a title on one line, a legend in smaller type, the rest for the plot */
  .cg-stage .cg-chart .cg-h3 { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; flex: none; }
  .cg-stage .cg-chart .cg-chart-legend { font-size: .75rem; flex: none; display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .cg-stage .cg-chart .cg-legend-item { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .cg-stage .cg-chart-body { flex: 1 1 0; min-height: 100px; display: flex; flex-direction: column; }
  .cg-stage .cg-plot { aspect-ratio: auto; flex: 1 1 0; min-height: 0; }
  .cg-stage .cg-h2 { margin: 0; }
}
/* the control panel hidden (presentation on a small projector): the stage takes the width */
.cg-root.cg-panel-hidden .cg-side { display: none !important; }
.cg-root .cg-mini-controls { display: none !important; }
.cg-root.cg-panel-hidden .cg-mini-controls { display: flex !important; }

/* presentation mode: bigger type, black on white, heavier lines */
.cg-present { font-size: 19px; color: #000; --cg-side: 430px; }
.cg-present.v-sheet { background: #fff !important; }
.cg-present .cg-main { padding: 10px 14px 40px 14px; }
.cg-present .cg-muted, .cg-present .cg-legend, .cg-present .cg-tile-label { color: #111; }
.cg-present .cg-tile-value { font-size: 2.6rem; color: #0b3d91; }
.cg-present .cg-tiles { grid-template-columns: repeat(4, minmax(0, 1fr)); }
.cg-present .cg-tile-b { font-size: 1.4rem; }
.cg-present .cg-day { font-size: 2.2rem; }
.cg-present .cg-h2 { font-size: 1.45rem; }
.cg-present .cg-h3 { font-size: 1.2rem; }
.cg-present .cg-ticker-line { font-size: 1.12rem; }
.cg-present .cg-section, .cg-present .cg-map, .cg-present .cg-ticker, .cg-present .cg-chart,
.cg-present .cg-tile-metric, .cg-present .cg-city { border: 2px solid #222; }
.cg-present .cg-charts { grid-template-columns: repeat(2, minmax(0, 1fr)); }
.cg-present .v-label, .cg-present .v-btn__content { font-size: 1.05rem !important; }
/* a wide screen (a 1600-px laptop with the controls shown, a projector): the headline tiles in
   one row, so the maps, their tickers and the six charts below them fit the screen (two rows of
   tiles left the A/B tickers below the fold); larger figures from 1400 px */
@container (min-width: 1100px) {
  .cg-present .cg-tiles { grid-template-columns: repeat(__TILES__, minmax(0, 1fr)); }
  .cg-present .cg-tile-value { font-size: 1.9rem; }
  .cg-present .cg-tile-b { font-size: 1.05rem; }
}
@container (min-width: 1400px) {
  .cg-present .cg-tile-value { font-size: 2.3rem; }
  .cg-present .cg-tile-b { font-size: 1.2rem; }
}
/* a phone: the panel above the live view, one column, nothing wider than the screen */
@media (max-width: 760px) {
  .cg-root { height: auto; min-height: 100vh; }
  .cg-root .cg-body { flex-direction: column !important; flex: none; }
  .cg-root .cg-side { width: 100%; min-width: 0; max-width: none; height: auto; overflow: visible; border-right: 0; border-bottom: 1px solid #d8dbe0; }
  .cg-main { height: auto; overflow: visible; padding: 8px 8px 40px 8px; }
  .cg-map, .cg-side-by-side { flex: 1 1 100%; min-width: 0; }
  .cg-charts, .cg-present .cg-charts { grid-template-columns: minmax(0, 1fr); }
  .cg-tiles, .cg-present .cg-tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .cg-tile-value { font-size: 1.6rem; }
  .cg-root .v-btn { min-height: 44px; }
  .cg-header .cg-title { font-size: 1.1rem; }
  .cg-header .cg-header-tools { flex-wrap: wrap; row-gap: 4px; min-width: 0; max-width: 100%; }
  .cg-header .cg-presentation .v-label { white-space: nowrap; }
}
""".replace("__FONT__", FONT).replace("__TILES__", str(len(METRICS.headline()))) + tick_css()

__all__ = ["CSS", "FONT"]
