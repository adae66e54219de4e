/** Import an OpenAPI 3.x or Swagger 2.0 document (a file, or pasted text) as an app. */

import { useMutation } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";

import type { ImportedApp } from "../../api/apps";
import { errorMessage } from "../../api/client";
import { documentToSend, formatSize, readDocumentFile, type FileDocument } from "../../app/openapiImport";
import { ErrorBox } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { Modal } from "../../components/Modal";
import { useAppsApi } from "./appsApi";
import { ImportResult } from "./ImportResult";

interface Props {
  onClose: () => void;
  onImported: (result: ImportedApp) => void;
}

export function OpenApiImportDialog({ onClose, onImported }: Props) {
  const appsApi = useAppsApi();
  const ids = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<FileDocument | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [pasted, setPasted] = useState("");
  const [name, setName] = useState("");
  const importing = useMutation({
    mutationFn: (document: { text: string; name: string }) => appsApi.importApp(document.text, document.name),
    onSuccess: onImported,
  });
  const text = documentToSend(file, pasted);

  const chooseFile = async (chosen: File | undefined) => {
    setFile(null);
    setFileError(null);
    if (!chosen) return;
    try {
      setFile(await readDocumentFile(chosen));
    } catch (err) {
      setFileError(errorMessage(err));
    }
  };
  const clearFile = () => {
    setFile(null);
    setFileError(null);
    if (fileInput.current) fileInput.current.value = "";
  };
  const startOver = () => {
    clearFile();
    setPasted("");
    setName("");
    importing.reset();
  };

  const footer = importing.isSuccess ? (
    <>
      <button type="button" onClick={startOver} data-testid="openapi-import-again">
        Import another
      </button>
      <button type="button" className="primary" onClick={onClose} data-testid="openapi-import-close">
        Done
      </button>
    </>
  ) : (
    <>
      <button type="button" onClick={onClose} data-testid="openapi-import-cancel">
        Cancel
      </button>
      <button
        type="button"
        className="primary"
        disabled={text === null || importing.isPending}
        onClick={() => text !== null && importing.mutate({ text, name })}
        data-testid="openapi-import-submit"
      >
        {importing.isPending ? "Importing…" : "Import"}
      </button>
    </>
  );
  return (
    <Modal title="Import an OpenAPI document" onClose={onClose} testId="openapi-import-dialog" wide footer={footer}>
      {importing.isSuccess ? (
        <ImportResult result={importing.data} />
      ) : (
        <>
          <Field
            label="File (OpenAPI 3.x or Swagger 2.0, JSON or YAML)"
            htmlFor={`${ids}-file`}
            path="openapi-file"
            errors={fileError ? [fileError] : []}
          >
            <input
              id={`${ids}-file`}
              ref={fileInput}
              type="file"
              accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
              onChange={(e) => void chooseFile(e.target.files?.[0])}
              data-testid="openapi-import-file"
            />
          </Field>
          {file ? (
            <p className="small-text" data-testid="openapi-import-file-info">
              {file.name} ({formatSize(file.size)}) will be sent.{" "}
              <button type="button" className="link" onClick={clearFile} data-testid="openapi-import-file-clear">
                Remove it to paste a document instead
              </button>
            </p>
          ) : (
            <Field label="Or paste the document" htmlFor={`${ids}-text`} path="openapi-text">
              <textarea
                id={`${ids}-text`}
                className="code"
                rows={10}
                value={pasted}
                onChange={(e) => setPasted(e.target.value)}
                spellCheck={false}
                data-testid="openapi-import-text"
              />
            </Field>
          )}
          <Field
            label="App name (optional)"
            htmlFor={`${ids}-name`}
            path="openapi-name"
            hint="Without one, the name comes from the document's title. Importing a name again adds a version."
          >
            <input
              id={`${ids}-name`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. misp"
              autoComplete="off"
              data-testid="openapi-import-name"
            />
          </Field>
          {importing.isPending ? (
            <p className="muted small-text" role="status">
              Checking the document; a large one takes a few seconds.
            </p>
          ) : null}
          {importing.isError ? <ErrorBox error={importing.error} title="The server refused this document" /> : null}
        </>
      )}
    </Modal>
  );
}
