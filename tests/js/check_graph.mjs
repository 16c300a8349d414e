// Reads a GraphML or GEXF file with graphology (the library Gephi Lite and
// sigma.js use) and prints what it found as one JSON object on stdout:
//   {format, nodes, edges, type, multi, labels_sample, colors_sample,
//    edge_ids, node_attributes, edge_attributes, xml_errors}
// Exit 0 when graphology parsed the file, 1 (message on stderr) when it threw.
// Usage: node tests/js/check_graph.mjs FILE.graphml|FILE.gexf
// Called by tests/test_export_formats.py; install with `npm ci` in tests/js.
import {readFileSync} from 'node:fs';
import xmldom from '@xmldom/xmldom';
import {MultiGraph} from 'graphology';
import gexf from 'graphology-gexf';
import graphml from 'graphology-graphml';

const SAMPLE = 50;
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node check_graph.mjs FILE.graphml|FILE.gexf\n');
  process.exit(2);
}
const format = file.toLowerCase().endsWith('.gexf') ? 'gexf' : 'graphml';
const text = readFileSync(file, 'utf8');

// graphology parses with xmldom, which recovers from many faults (it accepts
// \x0b, for instance): collect what xmldom reports so the caller can fail on it.
const xmlErrors = [];
new xmldom.DOMParser({
  errorHandler: {
    warning: (msg) => xmlErrors.push(`warning: ${msg}`),
    error: (msg) => xmlErrors.push(`error: ${msg}`),
    fatalError: (msg) => xmlErrors.push(`fatalError: ${msg}`),
  },
}).parseFromString(text, 'application/xml');

let graph;
try {
  graph = format === 'gexf' ? gexf.parse(MultiGraph, text) : graphml.parse(MultiGraph, text);
} catch (err) {
  process.stderr.write(`graphology could not read ${file}: ${err.message}\n`);
  process.exit(1);
}

const nodeIds = graph.nodes().sort();
const labels = {};
const colors = {};
const nodeAttributes = new Set();
graph.forEachNode((node, attrs) => Object.keys(attrs).forEach((k) => nodeAttributes.add(k)));
for (const node of nodeIds.slice(0, SAMPLE)) {
  labels[node] = graph.getNodeAttribute(node, 'label') ?? null;
  colors[node] = graph.getNodeAttribute(node, 'color') ?? null;
}
const edgeAttributes = new Set();
const edgeIds = [];
graph.forEachEdge((edge, attrs) => {
  edgeIds.push(edge);
  Object.keys(attrs).forEach((k) => edgeAttributes.add(k));
});

process.stdout.write(JSON.stringify({
  format,
  nodes: graph.order,
  edges: graph.size,
  type: graph.type,
  multi: graph.multi,
  labels_sample: labels,
  colors_sample: colors,
  edge_ids: edgeIds.sort(),
  node_attributes: [...nodeAttributes].sort(),
  edge_attributes: [...edgeAttributes].sort(),
  xml_errors: xmlErrors,
}) + '\n');
