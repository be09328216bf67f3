/* tlsrand.h — OpenSSL's random bytes taken straight from the kernel (getrandom(2)) for the whole
 * process, instead of OpenSSL 3's DRBG, whose instantiation costs about a quarter of a provider
 * life's CPU (method fetching, AES-CTR set-up, seeding) in a process that lives ~10 ms. */
#ifndef TLSRAND_H
#define TLSRAND_H

/* Installs the method: call once, before anything draws random bytes from OpenSSL. Returns 0, or
 * -1 if OpenSSL refused it (it then keeps its own DRBG, which is just as safe, only slower). */
int tls_rand_use_kernel(void);

#endif
