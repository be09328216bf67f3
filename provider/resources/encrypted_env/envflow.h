/* envflow.h — the update of a CVM's encrypted env as an explicit state machine (DESIGN §6, §12).
 * One apply may walk several edges:
 *
 *   ENCRYPT ─▶ PHASE1 ──2xx────────────────────────────────────────────────────▶ WAIT ─▶ APPLIED
 *                │ PATCH /cvms/{id} (X-Prepare-Only);                             ▲   timeout or stop:
 *                │ 404/405: PATCH /cvms/{id}/envs instead                         │   FAILED, accepted
 *                │465 (compose hash, commit token, onchain_status)                │2xx
 *                ▼                                                                │
 *             NEED_TX ─ transaction_hash in config ───────────▶ DEVICE ─allowed─▶ PHASE2
 *                │ ─ allowed already (contract / is-allowed) ───▲  │              │ token: commit-update
 *                │ ─ signer ─▶ VERIFY ─proved─▶ REGISTER ───────┘  │              │ else confirm PATCH
 *                │               │ mismatch                        │ not allowed: │ legacy: PATCH envs+tx
 *                │               │                 add_device + key: addDevice, ▲ │466: ENCRYPT, once
 *                ▼               ▼                                 ▼ else       │ │467/468: FAILED,
 *             PENDING ◀──────────┴──────────────────────────────── PENDING      ┘ │ pending kept
 *
 * Between DEVICE and PHASE2, after a transaction or a read of the contract itself, VISIBLE asks the
 * API's is-allowed until the KMS — which reads the contract some blocks behind the head — allows the
 * update (timeout: FAILED, pending kept; the next apply commits without a new transaction).
 * WAIT ends when the CVM is settled (envsettle.h): running, or resting in a status that does not
 * change by itself — a stopped CVM is APPLIED with a warning: it uses the new env when it starts.
 *
 * PENDING is state pending_onchain with a warning saying what to do (register the hash, which this
 * provider also computed itself; or allow the device); nothing is signed that VERIFY did not prove.
 * A pending update is resumed at NEED_TX with what state and private state recorded (ciphertext,
 * keys, hash, commit token), so a registered hash always gets exactly the bytes that produced it —
 * and a registration made elsewhere (a multisig wallet) is noticed there and committed. */
#ifndef ENVFLOW_H
#define ENVFLOW_H

#include "envflow_core.h" /* the states and the record of one update (env_flow) */

/* One transition; returns the next state. */
ef_state ef_step(tf_ctx *c, pk_client *client, env_flow *f);
/* Runs transitions until a terminal state. */
ef_state ef_run(tf_ctx *c, pk_client *client, env_flow *f);

#endif
