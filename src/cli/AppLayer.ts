/** Everything a CLI command may need: the runtime over REDIS_URL (or in-memory) and the result store. */
import { Layer } from "effect"
import { MetricsEmitter } from "../runtime/MetricsEmitter.js"
import { ResultStore } from "../runtime/ResultStore.js"
import { runtimeLayerConfig } from "../runtime/RuntimeLayer.js"

export const appLayer = Layer.merge(ResultStore.layerConfig, MetricsEmitter.layer).pipe(Layer.provideMerge(runtimeLayerConfig))
