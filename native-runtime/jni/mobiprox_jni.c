/* JNI binding of the runtime for com.mobiprox.MobiproxRuntime: a model handle is the mpx_model pointer. */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mobiprox.h"

#define JNI_NAME(name) Java_com_mobiprox_MobiproxRuntime_##name

static void throw_message(JNIEnv *env, const char *cls, const char *message) {
    jclass c = (*env)->FindClass(env, cls);
    if (c) (*env)->ThrowNew(env, c, message);
}

static mpx_model *model_of(JNIEnv *env, jlong handle) {
    if (!handle) throw_message(env, "java/lang/IllegalStateException", "mobiprox: the model handle is 0 (closed?)");
    return (mpx_model *)(intptr_t)handle;
}

JNIEXPORT jlong JNICALL JNI_NAME(create)(JNIEnv *env, jclass cls, jstring path, jint threads) {
    (void)cls;
    if (!path) {
        throw_message(env, "java/lang/NullPointerException", "mobiprox: model path is null");
        return 0;
    }
    const char *p = (*env)->GetStringUTFChars(env, path, NULL);
    if (!p) return 0;
    mpx_model *m = mpx_create_from_file(p, threads);
    (*env)->ReleaseStringUTFChars(env, path, p);
    if (!m) throw_message(env, "java/lang/RuntimeException", mpx_last_error(NULL));
    return (jlong)(intptr_t)m;
}

JNIEXPORT void JNICALL JNI_NAME(loadConfigs)(JNIEnv *env, jclass cls, jlong handle, jstring text) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    if (!m) return;
    if (!text) {
        throw_message(env, "java/lang/NullPointerException", "mobiprox: configuration text is null");
        return;
    }
    const char *t = (*env)->GetStringUTFChars(env, text, NULL);
    if (!t) return;
    jsize length = (*env)->GetStringUTFLength(env, text);
    int rc = mpx_load_configs(m, t, (size_t)length);
    (*env)->ReleaseStringUTFChars(env, text, t);
    if (rc) throw_message(env, "java/lang/RuntimeException", mpx_last_error(m));
}

JNIEXPORT jint JNICALL JNI_NAME(configCount)(JNIEnv *env, jclass cls, jlong handle) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    return m ? mpx_config_count(m) : 0;
}

JNIEXPORT jstring JNICALL JNI_NAME(configName)(JNIEnv *env, jclass cls, jlong handle, jint index) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    if (!m) return NULL;
    const char *name = mpx_config_name(m, index);
    if (!name) {
        throw_message(env, "java/lang/IndexOutOfBoundsException", "mobiprox: configuration index out of range");
        return NULL;
    }
    return (*env)->NewStringUTF(env, name);
}

JNIEXPORT void JNICALL JNI_NAME(setConfig)(JNIEnv *env, jclass cls, jlong handle, jint index) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    if (m && mpx_set_config(m, index)) throw_message(env, "java/lang/RuntimeException", mpx_last_error(m));
}

JNIEXPORT jint JNICALL JNI_NAME(getConfig)(JNIEnv *env, jclass cls, jlong handle) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    return m ? mpx_get_config(m) : -1;
}

JNIEXPORT jint JNICALL JNI_NAME(inputSize)(JNIEnv *env, jclass cls, jlong handle) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    return m ? (jint)mpx_input_size(m) : 0;
}

JNIEXPORT jint JNICALL JNI_NAME(outputSize)(JNIEnv *env, jclass cls, jlong handle) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    return m ? (jint)mpx_output_size(m, 0) : 0;
}

JNIEXPORT void JNICALL JNI_NAME(infer)(JNIEnv *env, jclass cls, jlong handle, jfloatArray input, jint batch,
                                       jfloatArray output) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    if (!m) return;
    if (!input || !output) {
        throw_message(env, "java/lang/NullPointerException", "mobiprox: infer needs input and output arrays");
        return;
    }
    if (batch < 1 || (jlong)(*env)->GetArrayLength(env, input) < (jlong)batch * (jlong)mpx_input_size(m) ||
        (jlong)(*env)->GetArrayLength(env, output) < (jlong)batch * (jlong)mpx_output_size(m, 0)) {
        throw_message(env, "java/lang/IllegalArgumentException",
                      "mobiprox: infer needs batch >= 1, input of batch * inputSize and output of batch * outputSize "
                      "floats");
        return;
    }
    jfloat *in = (*env)->GetFloatArrayElements(env, input, NULL);
    jfloat *out = in ? (*env)->GetFloatArrayElements(env, output, NULL) : NULL;
    int rc = in && out ? mpx_infer(m, in, batch, out) : -1;
    if (out) (*env)->ReleaseFloatArrayElements(env, output, out, rc ? JNI_ABORT : 0);
    if (in) (*env)->ReleaseFloatArrayElements(env, input, in, JNI_ABORT);
    if (rc && in && out) throw_message(env, "java/lang/RuntimeException", mpx_last_error(m));
}

/* Doubles per configuration in measureNative's result, in the order MobiproxRuntime.Measurement reads them. */
enum { MEASUREMENT_FIELDS = 17 };

static void flatten(const mpx_measurement *t, jdouble *v) {
    const mpx_interval *intervals[] = {&t->latency_ms, &t->cpu_ms, &t->wall_ms, &t->speedup};
    for (int i = 0; i < 4; i++) {
        v[3 * i] = intervals[i]->estimate;
        v[3 * i + 1] = intervals[i]->low;
        v[3 * i + 2] = intervals[i]->high;
    }
    v[12] = t->cycles;
    v[13] = t->instructions;
    v[14] = t->rounds;
    v[15] = t->samples_per_unit;
    v[16] = t->converged ? 1 : 0;
}

JNIEXPORT jdoubleArray JNICALL JNI_NAME(measureNative)(JNIEnv *env, jclass cls, jlong handle, jintArray configs,
                                                       jfloatArray input, jint samples, jint batch, jdouble target,
                                                       jdouble maxSeconds) {
    (void)cls;
    mpx_model *m = model_of(env, handle);
    if (!m) return NULL;
    if (!configs || !input) {
        throw_message(env, "java/lang/NullPointerException", "mobiprox: measure needs configuration and input arrays");
        return NULL;
    }
    jsize count = (*env)->GetArrayLength(env, configs);
    if (count < 1 || count > INT32_MAX / MEASUREMENT_FIELDS || samples < 1 ||
        (jlong)(*env)->GetArrayLength(env, input) < (jlong)samples * (jlong)mpx_input_size(m)) {
        throw_message(env, "java/lang/IllegalArgumentException",
                      "mobiprox: measure needs at least one configuration, samples >= 1 and input of samples * "
                      "inputSize floats");
        return NULL;
    }
    int *list = malloc(sizeof(int) * (size_t)count);
    mpx_measurement *out = malloc(sizeof *out * (size_t)count);
    jint *ids = list && out ? (*env)->GetIntArrayElements(env, configs, NULL) : NULL;
    if (!ids) {
        free(list);
        free(out);
        if (!(*env)->ExceptionCheck(env)) throw_message(env, "java/lang/OutOfMemoryError", "mobiprox: measure: out of memory");
        return NULL;
    }
    for (jsize c = 0; c < count; c++) list[c] = ids[c];
    (*env)->ReleaseIntArrayElements(env, configs, ids, JNI_ABORT);
    jfloat *in = (*env)->GetFloatArrayElements(env, input, NULL);
    /* Values <= 0 take the runtime's defaults; min_rounds, max_rounds and unit_ms are always the defaults. */
    mpx_measure_options o = {.batch = batch, .target = target, .max_seconds = maxSeconds};
    int rc = in ? mpx_measure(m, list, (int)count, in, samples, &o, out) : -1;
    if (in) (*env)->ReleaseFloatArrayElements(env, input, in, JNI_ABORT);
    jdoubleArray result = NULL;
    if (rc && in) {
        /* A configuration outside the loaded set is the caller's mistake; anything else is the runtime's. */
        int bad_index = 0;
        for (jsize c = 0; c < count; c++) bad_index |= list[c] < 0 || list[c] >= mpx_config_count(m);
        throw_message(env, bad_index ? "java/lang/IllegalArgumentException" : "java/lang/RuntimeException",
                      mpx_last_error(m));
    } else if (!rc) {
        result = (*env)->NewDoubleArray(env, count * MEASUREMENT_FIELDS);
        for (jsize c = 0; result && c < count; c++) {
            jdouble v[MEASUREMENT_FIELDS];
            flatten(&out[c], v);
            (*env)->SetDoubleArrayRegion(env, result, c * MEASUREMENT_FIELDS, MEASUREMENT_FIELDS, v);
        }
    }
    free(list);
    free(out);
    return result;
}

/* A Java string of a C name, bytes outside printable ASCII replaced by '?': /proc/cpuinfo's text is not
 * guaranteed to be the modified UTF-8 NewStringUTF requires, and the runtime may cut it mid-character. */
static jstring ascii_string(JNIEnv *env, const char *s) {
    char copy[256];
    size_t n = strlen(s);
    if (n > sizeof copy - 1) n = sizeof copy - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        copy[i] = b >= 0x20 && b < 0x7f ? (char)b : '?';
    }
    copy[n] = '\0';
    return (*env)->NewStringUTF(env, copy);
}

JNIEXPORT jstring JNICALL JNI_NAME(cpuName)(JNIEnv *env, jclass cls) {
    (void)cls;
    return ascii_string(env, mpx_cpu_name());
}

JNIEXPORT jstring JNICALL JNI_NAME(kernelsName)(JNIEnv *env, jclass cls) {
    (void)cls;
    return ascii_string(env, mpx_kernels_name());
}

JNIEXPORT jstring JNICALL JNI_NAME(lastError)(JNIEnv *env, jclass cls, jlong handle) {
    (void)cls;
    return (*env)->NewStringUTF(env, mpx_last_error(handle ? (mpx_model *)(intptr_t)handle : NULL));
}

JNIEXPORT void JNICALL JNI_NAME(destroy)(JNIEnv *env, jclass cls, jlong handle) {
    (void)env, (void)cls;
    mpx_destroy((mpx_model *)(intptr_t)handle);
}
