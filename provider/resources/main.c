/* main.c — terraform-provider-phala: hands the provider definition to the plugin runtime. */
#include "phala_provider.h"

int main(int argc, char **argv)
{
    return tf_serve(&phala_provider, argc, argv);
}
