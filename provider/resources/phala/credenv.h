/* credenv.h — credentials given to the provider process through its environment
 * (PHALA_CLOUD_API_KEY, PHALA_OIDC_TOKEN, PHALA_ONCHAIN_PRIVATE_KEY): taken out of the environment
 * at startup and handed to each configuration that needs them. */
#ifndef CREDENV_H
#define CREDENV_H

/* Once, at startup, before any thread: keeps each credential variable's value masked (XOR with a
 * random pad of its own), wipes the value's bytes in the environment in place (every entry of the
 * name) and unsets it. The plaintext then exists only where a configuration uses it (the API
 * client, the on-chain signer), and neither /proc/PID/environ nor a child process sees it. A
 * provider serving many runs (--debug) or aliases configures many times: each gets the value. */
void phala_credenv_capture(void);

/* The captured value of credential variable name (malloc'd: the caller wipes and frees it); NULL
 * when name is not one of them, was not set or was empty, or was not captured. */
char *phala_credenv_get(const char *name);

#endif
