import { describe, expect, test } from 'vitest';
import { markdownTable } from './format.js';
import { escapeXml, renderBarChart } from './svg.js';

describe('renderBarChart', () => {
  const svg = renderBarChart({
    title: 'Cold start <ratio> & more',
    unit: '× anchor',
    marks: [{ value: 1, label: '1×' }],
    bars: [
      { label: 'ours', value: 1.2, tone: 'good' },
      { label: 'theirs "ric"', value: 2.4, text: '2.40×' },
      { label: 'missing', value: Number.NaN },
    ],
  });

  test('is one well-formed svg element with one bar per finite value', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect /g)?.length).toBe(3); // background + two bars
    expect(svg).toContain('n/a');
    expect(svg).toContain('2.40×');
  });

  test('escapes labels and titles', () => {
    expect(svg).toContain('Cold start &#60;ratio&#62; &#38; more');
    expect(svg).toContain('theirs &#34;ric&#34;');
    expect(svg).not.toMatch(/<ratio>/);
    expect(escapeXml(`a<b>&'"`)).toBe('a&#60;b&#62;&#38;&#39;&#34;');
  });

  test('the longer value draws the longer bar', () => {
    const widths = [...svg.matchAll(/<rect x="260" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[1]).toBeGreaterThan(widths[0] as number);
  });
});

describe('markdownTable', () => {
  test('aligns numbers right and escapes pipes', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1']])).toBe('| a | b |\n|---|---:|\n| x\\|y | 1 |');
  });
});

describe('replaceHeadline', () => {
  test('replaces only between the markers, and leaves text without markers alone', async () => {
    const { replaceHeadline } = await import('./report.js');
    const readme = 'intro\n<!-- headline:start -->\nold\n<!-- headline:end -->\noutro\n';
    expect(replaceHeadline(readme, 'new')).toBe(
      'intro\n<!-- headline:start -->\nnew\n<!-- headline:end -->\noutro\n',
    );
    expect(replaceHeadline('no markers', 'new')).toBe('no markers');
  });
});
