/**
 * `mobiprox bundle`: a Gradle Android library module that ships a profiled model — the runtime's C sources
 * and JNI binding with a CMakeLists.txt for externalNativeBuild (it also builds on the host, for tests), the
 * generated engine and wrapper, the compiled .mpxm and the configurations as assets, and a README. With an
 * Android NDK, prebuilt jniLibs/<abi>/libmobiprox.so for the three ABIs as well. The module is assembled in
 * a temporary sibling folder and renamed into place, so a failed or cancelled run leaves no half-written
 * module: the folder holds the earlier module, or nothing.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdaptableSet } from '../adapt/profiledSet';
import { StrategySpec } from '../adapt/strategies';
import { CompiledModel } from '../compile';
import { MobiproxError } from '../errors';
import { toHpvm } from '../knobs/configurationSet';
import { GeneratedFile, generateSources, nativeRuntimeDir } from './generate';
import { Lang } from './literals';
import { usageSnippet } from './wrapper';
import { abortError } from '../tuner/runner';

export const BUNDLE_ABIS = ['arm64-v8a', 'armeabi-v7a', 'x86_64'] as const;
/** Marks a folder as a bundle, so that a rerun may replace it and nothing else is ever replaced. */
const MARKER = '.mobiprox-bundle';
const LIBRARY = 'mobiprox';

export interface BundleOptions {
  lang: Lang;
  package: string;
  strategyText: string;
  /** The profiled set's file name, for the generated headers. */
  source: string;
  /** The NDK to prebuild with; undefined: ANDROID_NDK_HOME, then ANDROID_NDK_ROOT; null: none. */
  ndk?: string | null;
  onProgress?: (message: string) => void;
  /** Stops the NDK builds (the long part); the staged module is removed and the folder left as it was. */
  signal?: AbortSignal;
}

export interface BundleResult {
  out: string;
  files: string[];
  /** ABIs with a prebuilt library. */
  prebuilt: string[];
  /** Why no library was prebuilt, when none was. */
  prebuiltSkipped?: string;
}

export function findNdk(): string | undefined {
  return [process.env.ANDROID_NDK_HOME, process.env.ANDROID_NDK_ROOT].find((d) => d && fs.existsSync(path.join(d, 'build/cmake/android.toolchain.cmake')));
}

export async function writeBundle(model: CompiledModel, set: AdaptableSet, spec: StrategySpec, out: string, o: BundleOptions): Promise<BundleResult> {
  const target = path.resolve(out);
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0 && !fs.existsSync(path.join(target, MARKER))) {
    throw new MobiproxError(`${out} exists and is not a Mobiprox bundle; choose an empty or new folder.`, { file: out });
  }
  const modelAsset = `${model.name}.mpxm`;
  const configsAsset = `${model.name}.configs.txt`;
  if (o.signal?.aborted) throw abortError();
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}-`));
  try {
    const files: GeneratedFile[] = [
      ...generateSources(set, spec, { ...o, library: LIBRARY, modelAsset, configsAsset, probabilities: model.endsWithSoftmax })
        .filter((f) => f.path !== 'USAGE.md')
        .map((f) => ({ ...f, path: `src/main/java/${f.path}` })),
      { path: 'build.gradle', content: gradle(o) },
      { path: 'src/main/AndroidManifest.xml', content: '<?xml version="1.0" encoding="utf-8"?>\n<manifest />\n' },
      { path: 'src/main/cpp/CMakeLists.txt', content: CMAKE },
      { path: `src/main/assets/${configsAsset}`, content: toHpvm(set) },
      { path: MARKER, content: 'Written by mobiprox bundle; the next run replaces this whole folder.\n' },
    ];
    for (const f of files) writeInto(staging, f.path, f.content);
    writeInto(staging, `src/main/assets/${modelAsset}`, model.mpxm);
    copyNativeSources(path.join(staging, 'src/main/cpp'));

    const ndk = o.ndk === null ? undefined : o.ndk ?? findNdk();
    const prebuilt: string[] = [];
    let prebuiltSkipped: string | undefined;
    if (ndk) {
      for (const abi of BUNDLE_ABIS) {
        o.onProgress?.(`building libmobiprox.so for ${abi} with ${ndk}`);
        await prebuildAbi(ndk, abi, path.join(staging, 'src/main/cpp'), path.join(staging, 'src/main/jniLibs', abi), o.signal);
        prebuilt.push(abi);
      }
    } else {
      prebuiltSkipped = o.ndk === null ? 'not requested' : 'no Android NDK (set ANDROID_NDK_HOME or ANDROID_NDK_ROOT); Gradle builds the library from src/main/cpp instead';
    }
    writeInto(staging, 'README.md', readme(model, set, o, modelAsset, configsAsset, prebuilt));
    if (o.signal?.aborted) throw abortError();
    replaceFolder(staging, target);
    return { out: target, files: listFiles(target), prebuilt, prebuiltSkipped };
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

function writeInto(root: string, rel: string, content: string | Uint8Array): void {
  const file = path.join(root, ...rel.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** The runtime's public header, its sources (executor and kernels, with kernels.cmake) and the JNI binding. */
function copyNativeSources(cpp: string): void {
  const native = nativeRuntimeDir();
  fs.cpSync(path.join(native, 'include'), path.join(cpp, 'include'), { recursive: true });
  fs.cpSync(path.join(native, 'src'), path.join(cpp, 'src'), { recursive: true });
  fs.mkdirSync(path.join(cpp, 'jni'), { recursive: true });
  fs.copyFileSync(path.join(native, 'jni/mobiprox_jni.c'), path.join(cpp, 'jni/mobiprox_jni.c'));
}

/** Swaps the staged module into place; an earlier bundle there is removed only once the new one is in. */
function replaceFolder(staging: string, target: string): void {
  if (!fs.existsSync(target)) {
    fs.renameSync(staging, target);
    return;
  }
  const old = `${staging}-old`;
  fs.renameSync(target, old);
  try {
    fs.renameSync(staging, target);
  } catch (e) {
    fs.renameSync(old, target);
    throw e;
  }
  fs.rmSync(old, { recursive: true, force: true });
}

async function prebuildAbi(ndk: string, abi: string, cpp: string, jniLibs: string, signal?: AbortSignal): Promise<void> {
  const build = fs.mkdtempSync(path.join(os.tmpdir(), `mobiprox-ndk-${abi}-`));
  try {
    const run = (args: string[]) => new Promise<void>((resolve, reject) => {
      execFile('cmake', args, { signal, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
        if (!e) return resolve();
        if (signal?.aborted) return reject(abortError());
        reject(new MobiproxError(`Building libmobiprox.so for ${abi} with the NDK at ${ndk} failed:\n${stderr || stdout || e.message}`.trim(), { file: ndk }));
      });
    });
    await run(['-S', cpp, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${path.join(ndk, 'build/cmake/android.toolchain.cmake')}`,
      `-DANDROID_ABI=${abi}`, '-DANDROID_PLATFORM=android-24', '-DCMAKE_BUILD_TYPE=Release']);
    await run(['--build', build, '-j2']);
    fs.mkdirSync(jniLibs, { recursive: true });
    fs.copyFileSync(path.join(build, `lib${LIBRARY}.so`), path.join(jniLibs, `lib${LIBRARY}.so`));
  } finally {
    fs.rmSync(build, { recursive: true, force: true });
  }
}

function listFiles(root: string, rel = ''): string[] {
  return fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(root, path.join(rel, d.name)) : [path.join(rel, d.name)]).sort();
}

/** The runtime plus its JNI binding as one shared library; on the host (tests) it finds the JDK's jni.h. */
const CMAKE = `# libmobiprox.so: the Mobiprox runtime and its JNI binding (com.mobiprox.MobiproxRuntime).
# Built by the Android Gradle plugin (externalNativeBuild) for each ABI, or on any host with a JDK for tests.
cmake_minimum_required(VERSION 3.16)
project(mobiprox_bundle C)

set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
# ISO C, as the runtime's own build: GNU modes would contract a*b+c and change the last bits
set(CMAKE_C_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release)
endif()
set(CMAKE_C_FLAGS_RELEASE "-O3 -DNDEBUG")

find_package(Threads REQUIRED)
include(\${CMAKE_CURRENT_LIST_DIR}/src/kernels.cmake)
# Everything in src/ is the runtime: the kernels listed by kernels.cmake (with their per-file flags) and the executor.
file(GLOB MPX_ALL_SOURCES CONFIGURE_DEPENDS \${CMAKE_CURRENT_LIST_DIR}/src/*.c)
set(MPX_EXECUTOR_SOURCES \${MPX_ALL_SOURCES})
list(REMOVE_ITEM MPX_EXECUTOR_SOURCES \${MPX_KERNEL_SOURCES})

add_library(mobiprox SHARED \${MPX_EXECUTOR_SOURCES} \${MPX_KERNEL_SOURCES} \${CMAKE_CURRENT_LIST_DIR}/jni/mobiprox_jni.c)
target_include_directories(mobiprox PRIVATE \${CMAKE_CURRENT_LIST_DIR}/include \${CMAKE_CURRENT_LIST_DIR}/src)
target_link_libraries(mobiprox PRIVATE Threads::Threads m)

if(ANDROID)
  # 16 KB page alignment, required of native libraries by recent Android versions.
  target_link_options(mobiprox PRIVATE "-Wl,-z,max-page-size=16384")
else()
  # Host builds (tests): the JDK provides jni.h. FindJNI does not look where javac lives without JAVA_HOME.
  if(NOT JAVA_HOME AND NOT DEFINED ENV{JAVA_HOME})
    find_program(MPX_JAVAC javac)
    if(MPX_JAVAC)
      get_filename_component(MPX_JAVAC_REAL \${MPX_JAVAC} REALPATH)
      get_filename_component(MPX_JDK_BIN \${MPX_JAVAC_REAL} DIRECTORY)
      get_filename_component(JAVA_HOME \${MPX_JDK_BIN} DIRECTORY)
    endif()
  endif()
  find_package(JNI REQUIRED)
  target_include_directories(mobiprox PRIVATE \${JNI_INCLUDE_DIRS})
endif()
`;

function gradle(o: BundleOptions): string {
  const kotlin = o.lang === 'kotlin';
  return `// Android library module generated by mobiprox bundle. Add it to settings.gradle (include ':mobiprox')
// and depend on it from the app: implementation project(':mobiprox').
plugins {
    id 'com.android.library'${kotlin ? "\n    id 'org.jetbrains.kotlin.android'" : ''}
}

android {
    namespace '${o.package}'
    compileSdk 34

    defaultConfig {
        minSdk 24
        ndk {
            abiFilters 'arm64-v8a', 'armeabi-v7a', 'x86_64'
        }
    }

    // Builds libmobiprox.so from src/main/cpp for each ABI. Prebuilt libraries in src/main/jniLibs (written
    // when an NDK was present at bundling) make this block optional: remove it to use them as they are.
    externalNativeBuild {
        cmake {
            path 'src/main/cpp/CMakeLists.txt'
        }
    }

    compileOptions {
        sourceCompatibility JavaVersion.VERSION_1_8
        targetCompatibility JavaVersion.VERSION_1_8
    }${kotlin ? "\n\n    kotlinOptions {\n        jvmTarget = '1.8'\n    }" : ''}
}
`;
}

function readme(model: CompiledModel, set: AdaptableSet, o: BundleOptions, modelAsset: string, configsAsset: string, prebuilt: string[]): string {
  const lines = [
    `# Mobiprox bundle: ${model.name}`,
    '',
    `An Android library module that runs \`${model.name}\` with run-time adaptation (${o.strategyText}) over`,
    `${set.configurations.length} approximation configurations (${set.configurations.map((c) => c.name).join(', ')}).`,
    '',
    '## Contents',
    `- \`src/main/assets/${modelAsset}\`: the compiled model; \`${configsAsset}\`: its configurations (ApproxTuner/HPVM text).`,
    `- \`src/main/java/${o.package.replace(/\./g, '/')}/\`: \`MobiproxModel\` (load, infer, set/get the configuration, close) and`,
    '  `MobiproxAdaptation` (the strategy, with its parameters and per-class thresholds baked in).',
    '- `src/main/java/com/mobiprox/MobiproxRuntime.java`: the JNI binding; `src/main/cpp/`: the runtime in C11 and its JNI',
    '  code, built into `libmobiprox.so` by `CMakeLists.txt` (externalNativeBuild).',
    prebuilt.length > 0
      ? `- \`src/main/jniLibs/\`: prebuilt \`libmobiprox.so\` for ${prebuilt.join(', ')}.`
      : '- No prebuilt libraries: no Android NDK was found when bundling; Gradle builds them from `src/main/cpp`.',
    '',
    '## Use',
    '1. Copy this folder into your project as `mobiprox/`, add `include \':mobiprox\'` to `settings.gradle` and',
    "   `implementation project(':mobiprox')` to the app's dependencies.",
    '2. Run the model one window at a time, at the configuration the adaptation engine chooses:',
    '',
    '```' + o.lang,
    ...usageSnippet(o.lang, modelAsset, configsAsset).trimEnd().split('\n'),
    '```',
    '',
  ];
  return lines.join('\n');
}
