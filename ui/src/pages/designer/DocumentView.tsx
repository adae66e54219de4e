/**
 * The workflow as YAML or JSON text, editable. Valid text updates the canvas as you type;
 * text that does not parse stays here with its error until it does.
 */

import { useEffect, useRef, useState } from "react";

import type { DesignerAction } from "../../graph/designer";
import { definitionToText, textToDefinition, type TextFormat } from "../../graph/document";
import { applyLayout } from "../../graph/layout";
import type { WorkflowDefinition } from "../../graph/types";

interface DocumentViewProps {
  def: WorkflowDefinition;
  format: TextFormat;
  dispatch: (action: DesignerAction) => void;
}

export function DocumentView({ def, format, dispatch }: DocumentViewProps) {
  const [text, setText] = useState(() => definitionToText(def, format));
  const [error, setError] = useState<string | null>(null);
  const emitted = useRef(def);
  useEffect(() => {
    // Changed elsewhere (undo, the canvas, a format switch): show the new text.
    if (def !== emitted.current) {
      emitted.current = def;
      setText(definitionToText(def, format));
      setError(null);
    }
  }, [def, format]);
  useEffect(() => {
    setText(definitionToText(emitted.current, format));
    setError(null);
  }, [format]);
  const update = (next: string) => {
    setText(next);
    const parsed = textToDefinition(next);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setError(null);
    const laidOut = applyLayout(parsed.definition);
    emitted.current = laidOut;
    dispatch({ type: "edit", def: laidOut, group: "document" });
  };
  return (
    <div className="document-view" data-testid="document-view">
      <textarea
        className="code document-text"
        value={text}
        spellCheck={false}
        onChange={(e) => update(e.target.value)}
        aria-label={`Workflow as ${format.toUpperCase()}`}
        data-testid="document-text"
      />
      {error ? (
        <div className="field-error document-error" role="alert" data-testid="document-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}
