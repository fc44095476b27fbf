/** Everything a CLI command may need: the runtime over REDIS_URL (or in-memory) and the result store. */
import { Layer } from "effect"
import { ResultStore } from "../runtime/ResultStore.js"
import { runtimeLayerConfig } from "../runtime/RuntimeLayer.js"

export const appLayer = Layer.merge(runtimeLayerConfig, ResultStore.layerConfig)
