/**
 * ECharts with what the bar charts use, imported at the first chart drawn: loaded at start, it held about 10 MB of the heap of every process, and
 * a major collection marks it all, on the transition path too (bench/README, "Cost of the transition path across changes").
 */
let echartsLoaded: Promise<typeof import('echarts/core')> | undefined;

async function loadEcharts(): Promise<typeof import('echarts/core')> {
  // One after another: the four share zrender, and Jest's ESM loader fails two imports that link one module at the same time.
  const core = await import('echarts/core');
  const { BarChart } = await import('echarts/charts');
  const { GridComponent, LegendComponent } = await import('echarts/components');
  const { SVGRenderer } = await import('echarts/renderers');
  core.use([BarChart, GridComponent, LegendComponent, SVGRenderer]);
  return core;
}

/** ECharts, loaded once; a failed load is tried again at the next chart. */
function echarts(): Promise<typeof import('echarts/core')> {
  echartsLoaded ??= loadEcharts().catch((error: unknown) => {
    echartsLoaded = undefined;
    throw error;
  });
  return echartsLoaded;
}

/** Draws a bar chart: what `barCharts` gives once ECharts is loaded. */
export type DrawBarChart = (spec: BarChartSpec) => string;

/** The bar chart drawer, ECharts loaded first if it was not yet. */
export async function barCharts(): Promise<DrawBarChart> {
  const core = await echarts();
  return (spec) => barChartSvg(core, spec);
}

export interface ChartSeries {
  name: string;
  values: number[];
  color: string;
}

export interface BarChartSpec {
  /** What the chart shows, in words: the SVG's accessible name. */
  label: string;
  categories: string[];
  series: ChartSeries[];
  /** Bars along the x axis, one row per category: for long names such as partnership titles. */
  horizontal?: boolean;
  /** Series stacked into one bar per category. */
  stacked?: boolean;
}

/** Drawn at about a phone's width and scaled by its viewBox: the labels stay readable from 360 px to a desktop's half page. */
const WIDTH = 480;
const ROW_HEIGHT = 28;
/** The presentation attributes ECharts writes into style="…", which the pages' CSP (style-src 'self') would drop. */
const PRESENTATION = new Set(['font-size', 'font-family', 'font-weight', 'font-style', 'fill', 'fill-opacity', 'stroke', 'stroke-width', 'opacity']);

/**
 * A bar chart drawn by ECharts on the server (SSR, SVG renderer, no animation): the SVG markup,
 * scaled by its viewBox, named for screen readers (role="img"); the page puts the figures in a
 * table beside it. Category names are text nodes, which ECharts escapes.
 */
function barChartSvg(core: typeof import('echarts/core'), spec: BarChartSpec): string {
  const height = spec.horizontal ? 70 + ROW_HEIGHT * Math.max(spec.categories.length, 3) : 300;
  const chart = core.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  const categoryAxis = {
    type: 'category' as const,
    data: spec.categories,
    inverse: spec.horizontal,
    axisLabel: spec.horizontal
      ? { width: 150, overflow: 'truncate' as const }
      : // Many categories (the months of a year) are written aslant to fit.
        { interval: 0, width: 80, overflow: 'break' as const, rotate: spec.categories.length > 6 ? 45 : 0 },
  };
  const valueAxis = { type: 'value' as const, minInterval: 1 };
  try {
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: 'sans-serif' },
      legend: spec.series.length > 1 ? { top: 0, textStyle: { color: '#1f2328' } } : undefined,
      grid: { left: spec.horizontal ? 160 : 40, right: 16, top: spec.series.length > 1 ? 36 : 16, bottom: spec.horizontal ? 28 : 64 },
      xAxis: spec.horizontal ? valueAxis : categoryAxis,
      yAxis: spec.horizontal ? categoryAxis : valueAxis,
      series: spec.series.map((s) => ({
        type: 'bar' as const,
        name: s.name,
        data: s.values,
        stack: spec.stacked ? 'all' : undefined,
        itemStyle: { color: s.color },
        barMaxWidth: 48,
      })),
    });
    return accessibleSvg(chart.renderToSVGString(), spec.label);
  } finally {
    chart.dispose();
  }
}

/** The SVG without its hover stylesheet, its inline styles as attributes, and named as an image. */
function accessibleSvg(svg: string, label: string): string {
  return svg
    .replace(/<style[^>]*>[\s\S]*?<\/style>/g, '')
    .replace(/ style="([^"]*)"/g, (_, declarations: string) =>
      declarations
        .split(';')
        .map((declaration) => declaration.split(':').map((part) => part.trim()))
        .filter(([property, value]) => PRESENTATION.has(property) && value)
        .map(([property, value]) => ` ${property}="${value}"`)
        .join(''),
    )
    .replace(/^<svg /, `<svg role="img" aria-label="${escapeAttribute(label)}" focusable="false" `);
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
