/* JNI binding of the runtime for com.mobiprox.MobiproxRuntime: a model handle is the mpx_model pointer. */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

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

JNIEXPORT jstring JNICALL JNI_NAME(lastError)(JNIEnv *env, jclass cls, jlong handle) {
    (void)cls;
    return (*env)->NewStringUTF(env, mpx_last_error(handle ? (mpx_model *)(intptr_t)handle : NULL));
}

JNIEXPORT void JNICALL JNI_NAME(destroy)(JNIEnv *env, jclass cls, jlong handle) {
    (void)env, (void)cls;
    mpx_destroy((mpx_model *)(intptr_t)handle);
}
