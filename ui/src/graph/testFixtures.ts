/** Small workflows shared by the graph tests. */

import type { WorkflowDefinition } from "./types";

/** webhook → repeat → create_alert → notify, plus an error edge create_alert → page. */
export function failedSsh(): WorkflowDefinition {
  return {
    format: 1,
    name: "Failed SSH login",
    triggers: [{ id: "wazuh", type: "webhook", position: { x: 0, y: 0 } }],
    vars: { hive_url: "http://hive" },
    steps: [
      {
        id: "repeat",
        app: "tools",
        action: "repeat_back",
        params: { value: "{{ trigger }}" },
        position: { x: 0, y: 150 },
      },
      {
        id: "create_alert",
        app: "thehive",
        action: "create_alert",
        needs: ["repeat"],
        when: "trigger.rule_id in ['5710']",
        params: { title: "{{ steps.repeat.result.title }}" },
        position: { x: 0, y: 300 },
      },
      {
        id: "notify",
        app: "discord",
        action: "send_message",
        needs: ["create_alert"],
        params: { content: "{{ steps.create_alert.result._id }}" },
        position: { x: 0, y: 450 },
      },
      {
        id: "page",
        app: "discord",
        action: "send_message",
        needs: [{ step: "create_alert", on: "failure" }],
        params: {},
        position: { x: 300, y: 450 },
      },
    ],
  };
}
