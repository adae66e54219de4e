/**
 * The workflow canvas, shared by the designer (editable) and the execution view (read-only,
 * coloured by step status). It renders what the definition says and reports gestures; it
 * keeps no graph of its own. Must be inside a ReactFlowProvider.
 */

import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type OnDelete,
} from "@xyflow/react";
import { useCallback, useMemo, useRef, type DragEvent } from "react";

import { decodePaletteItem, PALETTE_MIME } from "../graph/catalog";
import { FlowBuilder, type FlowEdge, type FlowNode, type FlowOptions } from "../graph/convert";
import { connectionProblem } from "../graph/editing";
import { NODE_HEIGHT, NODE_WIDTH } from "../graph/layout";
import type { Position, WorkflowDefinition } from "../graph/types";
import { NODE_TYPES } from "./FlowNodes";

export interface CanvasHandlers {
  onMove?: (moves: Map<string, Position>, done: boolean) => void;
  onSelectChange?: (id: string, selected: boolean) => void;
  onConnect?: (source: string, target: string) => void;
  onDelete?: (ids: string[]) => void;
  onDropAction?: (app: string, action: string, position: Position) => void;
  onNodeClick?: (nodeId: string) => void;
}

interface FlowCanvasProps extends CanvasHandlers {
  def: WorkflowDefinition;
  options: Omit<FlowOptions, "measured">;
  testId: string;
}

const DEFAULT_EDGE = { markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };
const LARGE_GRAPH = 60;

const STATUS_COLOR: Record<string, string> = {
  succeeded: "#22c55e",
  failed: "#f87171",
  running: "#60a5fa",
  waiting: "#c084fc",
  cancelled: "#fbbf24",
  skipped: "#64748b",
};

function minimapColor(node: FlowNode): string {
  if (node.type === "trigger") return "#f59e0b";
  return (node.data.problems.length ? "#f87171" : STATUS_COLOR[node.data.status ?? ""]) ?? "#7aa2d9";
}

function useNodeChanges(measured: Map<string, { width: number; height: number }>, handlers: CanvasHandlers) {
  const { onMove, onSelectChange } = handlers;
  return useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      const moves = new Map<string, Position>();
      let done = false;
      let moved = false;
      for (const change of changes) {
        if (change.type === "dimensions" && change.dimensions) measured.set(change.id, change.dimensions);
        if (change.type === "select") onSelectChange?.(change.id, change.selected);
        if (change.type !== "position") continue;
        moved = true;
        if (change.position) moves.set(change.id, change.position);
        if (change.dragging === false) done = true;
      }
      if (moved) onMove?.(moves, done);
    },
    [measured, onMove, onSelectChange],
  );
}

export function FlowCanvas({ def, options, testId, ...handlers }: FlowCanvasProps) {
  const flow = useReactFlow();
  const builder = useRef(new FlowBuilder());
  const measured = useRef(new Map<string, { width: number; height: number }>());
  const editable = options.editable ?? false;
  const nodes = useMemo(() => builder.current.nodes(def, { ...options, measured: measured.current }), [def, options]);
  const edges = useMemo(() => builder.current.edges(def, options), [def, options]);
  const onNodesChange = useNodeChanges(measured.current, handlers);
  const { onSelectChange, onConnect, onDelete, onDropAction, onNodeClick } = handlers;
  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => {
      for (const change of changes) if (change.type === "select") onSelectChange?.(change.id, change.selected);
    },
    [onSelectChange],
  );
  const isValidConnection = useCallback(
    (c: Connection | FlowEdge) => connectionProblem(def, c.source, c.target) === null,
    [def],
  );
  const handleDelete = useCallback<OnDelete<FlowNode, FlowEdge>>(
    ({ nodes: gone, edges: cut }) => onDelete?.([...gone.map((n) => n.id), ...cut.map((e) => e.id)]),
    [onDelete],
  );
  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const item = decodePaletteItem(event.dataTransfer.getData(PALETTE_MIME));
      if (!item || !onDropAction) return;
      event.preventDefault();
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      onDropAction(item.app, item.action, { x: at.x - NODE_WIDTH / 2, y: at.y - NODE_HEIGHT / 2 });
    },
    [flow, onDropAction],
  );
  return (
    <div
      className="canvas"
      data-testid={testId}
      onDragOver={editable ? onDragOver : undefined}
      onDrop={editable ? onDrop : undefined}
    >
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        defaultEdgeOptions={DEFAULT_EDGE}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={editable ? (c) => onConnect?.(c.source, c.target) : undefined}
        onDelete={editable ? handleDelete : undefined}
        onNodeClick={onNodeClick ? (_e, node) => onNodeClick(node.id) : undefined}
        isValidConnection={isValidConnection}
        nodesDraggable={editable}
        nodesConnectable={editable}
        edgesFocusable={editable}
        deleteKeyCode={editable ? ["Delete", "Backspace"] : null}
        onlyRenderVisibleElements={nodes.length > LARGE_GRAPH}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
        minZoom={0.1}
        colorMode="dark"
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} />
        <Controls showInteractive={false} />
        <MiniMap
          pannable
          zoomable
          nodeColor={minimapColor}
          nodeStrokeWidth={3}
          className="minimap"
          style={{ width: 160, height: 110 }}
        />
      </ReactFlow>
    </div>
  );
}
