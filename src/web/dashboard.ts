import { Injectable } from '@nestjs/common';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { partnershipStages } from '../partnerships/partnership-workflows.js';
import { ReportsService, type ReviewDecision } from '../reports/reports.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { barCharts, type ChartSeries, type DrawBarChart } from './charts.js';
import { WEB_PREFIX } from './web-paths.js';

/** A cell of a chart's table: text, and the page it names when there is one. */
export interface TableCell {
  text: string;
  href?: string;
}

/** One chart of the dashboard, with the table that holds its figures. */
export interface DashboardChart {
  id: string;
  title: string;
  summary: string;
  svg: string | null;
  head: string[];
  rows: TableCell[][];
  note: string | null;
}

/** The words of the partnership workflow's states and events, from its labels file. */
interface Words {
  state: (path: string) => string;
  event: (type: string) => string;
}

/** Turnaround in days: the upper bound of each bar, the last one open. */
const TURNAROUND_BUCKETS: Array<{ label: string; upTo: number }> = [
  { label: 'Within a week', upTo: 7 },
  { label: '8–14 days', upTo: 14 },
  { label: '15–30 days', upTo: 30 },
  { label: '31–60 days', upTo: 60 },
  { label: 'Over 60 days', upTo: Infinity },
];
const DECISION_COLORS: Record<string, string> = { APPROVE: '#2e7d32', REQUEST_CHANGES: '#9a5b00', REJECT: '#c62828', WITHDRAW: '#5f6368' };
const FULFILMENT: Array<{ key: 'held' | 'missed' | 'planned'; name: string; color: string }> = [
  { key: 'held', name: 'Held', color: '#2e7d32' },
  { key: 'missed', name: 'Missed', color: '#c62828' },
  { key: 'planned', name: 'Planned', color: '#1565c0' },
];
const partnershipPath = (id: string) => `${WEB_PREFIX}/partnerships/${id}`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The dashboard: the reports' figures drawn as server-side SVG charts, each with a table of the same figures. */
@Injectable()
export class Dashboard {
  constructor(
    private readonly reports: ReportsService,
    private readonly organizations: OrganizationsService,
    private readonly registry: WorkflowRegistry,
  ) {}

  async build() {
    const report = await this.reports.dashboard();
    const names = new Map((await this.organizations.choices()).map((o) => [o.id, o.name]));
    const words: Words = {
      // Partnership workflows that share a state or event name it alike.
      state: (path) => this.registry.stateLabel(path).title,
      event: (type) => this.registry.eventLabel(type).title,
    };
    const draw = await barCharts();
    const charts = [
      this.pipeline(draw, report.countsByState, words),
      turnaround(draw, report.turnaround.decisions, report.turnaround.since, words),
      expiring(draw, report.expiring, report.asOf, names, words),
      fulfilment(draw, report.fulfilment, report.fulfilmentCount),
    ];
    return { asOf: report.asOf, charts };
  }

  /** Partnerships by stage, in the workflows' order; a stage's sub-states counted with it. */
  private pipeline(draw: DrawBarChart, countsByState: Map<string, number>, words: Words): DashboardChart {
    const { open, final } = partnershipStages(this.registry);
    const stages = [...open.map((stage) => stage.key), ...final];
    const counts = stages.map((stage) => [...countsByState].filter(([state]) => state.split('.')[0] === stage).reduce((sum, [, n]) => sum + n, 0));
    const labels = stages.map(words.state);
    const total = counts.reduce((sum, n) => sum + n, 0);
    return {
      id: 'pipeline',
      title: 'Pipeline by stage',
      summary: `${total} partnerships, by the stage they are in.`,
      svg: draw({
        label: 'Partnerships by stage',
        categories: labels,
        series: [{ name: 'Partnerships', values: counts, color: '#1565c0' }],
        horizontal: true,
      }),
      head: ['Stage', 'Partnerships'],
      rows: labels.map((label, i) => [{ text: label }, { text: String(counts[i]) }]),
      note: null,
    };
  }
}

function turnaround(draw: DrawBarChart, decisions: ReviewDecision[], since: string, words: Words): DashboardChart {
  const kinds = [...new Set(decisions.map((d) => d.decision))].sort((a, b) => order(a) - order(b));
  const bucketOf = (days: number) => TURNAROUND_BUCKETS.findIndex((b) => days <= b.upTo);
  const series: ChartSeries[] = kinds.map((kind) => ({
    name: words.event(kind),
    color: DECISION_COLORS[kind] ?? '#5f6368',
    values: TURNAROUND_BUCKETS.map((_, i) => decisions.filter((d) => d.decision === kind && bucketOf(d.days) === i).length),
  }));
  const days = decisions.map((d) => d.days).sort((a, b) => a - b);
  const median = days.length === 0 ? null : days.length % 2 ? days[(days.length - 1) / 2] : (days[days.length / 2 - 1] + days[days.length / 2]) / 2;
  return {
    id: 'turnaround',
    title: 'Approval turnaround',
    summary:
      median === null
        ? `No review was decided since ${since}.`
        : `${decisions.length} reviews decided since ${since}, from submission to decision; median ${median} days.`,
    svg: decisions.length
      ? draw({
          label: 'Reviews decided, by days from submission to decision',
          categories: TURNAROUND_BUCKETS.map((b) => b.label),
          series,
          stacked: true,
        })
      : null,
    head: ['Days from submission to decision', ...series.map((s) => s.name), 'All'],
    rows: TURNAROUND_BUCKETS.map((bucket, i) => [
      { text: bucket.label },
      ...series.map((s) => ({ text: String(s.values[i]) })),
      { text: String(series.reduce((sum, s) => sum + s.values[i], 0)) },
    ]),
    note: null,
  };
}

function order(decision: string): number {
  const i = Object.keys(DECISION_COLORS).indexOf(decision);
  return i === -1 ? Number.MAX_SAFE_INTEGER : i;
}

function expiring(
  draw: DrawBarChart,
  expiring: { count: number; until: string; items: Array<{ id: string; title: string; organizationId: string; state: string; expiresOn: string }> },
  today: string,
  names: Map<string, string>,
  words: Words,
): DashboardChart {
  // One bar a month from this month to the month of the last day counted.
  const months: string[] = [];
  for (let month = today.slice(0, 7); month <= expiring.until.slice(0, 7); month = nextMonth(month)) months.push(month);
  const values = months.map(
    (month, i) => expiring.items.filter((p) => p.expiresOn.slice(0, 7) === month || (i === 0 && p.expiresOn.slice(0, 7) < month)).length,
  );
  return {
    id: 'expiring',
    title: 'MOUs expiring in the next twelve months',
    summary: `${expiring.count === 1 ? '1 MOU in force expires' : `${expiring.count} MOUs in force expire`} by ${expiring.until}, by the month their term ends.`,
    svg: draw({ label: 'MOUs expiring, by month', categories: months.map(monthWords), series: [{ name: 'MOUs expiring', values, color: '#9a5b00' }] }),
    head: ['MOU', 'Organization', 'Stage', 'Expires on'],
    rows: expiring.items.map((p) => [
      { text: p.title, href: partnershipPath(p.id) },
      { text: names.get(p.organizationId) ?? '—' },
      { text: words.state(p.state) },
      { text: p.expiresOn },
    ]),
    note: expiring.count > expiring.items.length ? `The chart and table show the first ${expiring.items.length} of ${expiring.count}.` : null,
  };
}

function fulfilment(
  draw: DrawBarChart,
  items: Array<{ partnershipId: string; title: string; held: number; missed: number; planned: number; cancelled: number }>,
  count: number,
): DashboardChart {
  return {
    id: 'fulfilment',
    title: 'Activity fulfilment by MOU',
    summary: `The activities of ${count} partnerships: held, missed and still planned.`,
    svg: items.length
      ? draw({
          label: 'Activities held, missed and planned, by MOU',
          categories: items.map((p) => p.title),
          series: FULFILMENT.map((f) => ({ name: f.name, color: f.color, values: items.map((p) => p[f.key]) })),
          horizontal: true,
          stacked: true,
        })
      : null,
    head: ['MOU', ...FULFILMENT.map((f) => f.name), 'Cancelled'],
    rows: items.map((p) => [
      { text: p.title, href: partnershipPath(p.partnershipId) },
      ...FULFILMENT.map((f) => ({ text: String(p[f.key]) })),
      { text: String(p.cancelled) },
    ]),
    note: count > items.length ? `The chart and table show the first ${items.length} of ${count}, by title.` : null,
  };
}

function nextMonth(month: string): string {
  const [year, m] = month.split('-').map(Number);
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
}

function monthWords(month: string): string {
  return `${MONTHS[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}
