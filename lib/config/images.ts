/** `kadm config images list`: the images of the chosen minor (lib/images.ts holds the rules). */
import type { InitConfig } from "../model.ts";
import { minorOf } from "../model.ts";
import { minorInfo } from "../versions.ts";
import { imageList } from "../images.ts";

export function imagesFor(cfg: InitConfig): string[] {
  return imageList(cfg, minorInfo(minorOf(cfg.cluster)));
}
