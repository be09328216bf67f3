/* main.c — terraform-provider-phala: takes the credentials out of the environment (credenv.h), then
 * hands the provider definition to the plugin runtime. */
#include "credenv.h"
#include "phala_provider.h"

int main(int argc, char **argv)
{
    phala_credenv_capture(); /* first: before any thread, and out of the environment at once */
    return tf_serve(&phala_provider, argc, argv);
}
