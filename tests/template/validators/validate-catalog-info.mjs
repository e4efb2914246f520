// Validates catalog-info.yaml files as Backstage's catalog does when it reads them: the entity policies of
// plugin-catalog-backend (schema, default namespace, no foreign root fields, field formats for names,
// labels and annotations) and then the built-in kind validators, one of which must accept the entity.
// Usage: node validate-catalog-info.mjs FILE...; prints one JSON line per entity; exit 1 if any is refused.
import { readFileSync } from "node:fs";
import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from "@backstage/catalog-model";
import { parseAllDocuments } from "yaml";

const policy = EntityPolicies.allOf([
  new SchemaValidEntityPolicy(),
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
]);
const kindValidators = [
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
];

async function validate(entity) {
  const enforced = await policy.enforce(entity);
  for (const validator of kindValidators) {
    if (await validator.check(enforced)) return enforced;
  }
  throw new Error(`no built-in kind validator accepts ${entity.apiVersion} ${entity.kind}`);
}

let refused = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      refused += 1;
      console.log(JSON.stringify({ file, ok: false, error: `YAML: ${document.errors[0].message}` }));
      continue;
    }
    try {
      const entity = await validate(document.toJS());
      console.log(JSON.stringify({ file, ok: true, entity }));
    } catch (error) {
      refused += 1;
      console.log(JSON.stringify({ file, ok: false, error: String(error?.message ?? error) }));
    }
  }
}
process.exitCode = refused > 0 ? 1 : 0;
