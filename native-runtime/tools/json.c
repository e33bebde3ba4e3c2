#include "json.h"

#include <math.h>
#include <stdio.h>

void json_number(double v) {
    if (isfinite(v)) printf("%.9g", v);
    else fputs("null", stdout);
}

void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}
