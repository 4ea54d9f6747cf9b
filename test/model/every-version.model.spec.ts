import { WorkflowEngine } from '../../src/workflow-engine/engine.js';
import { sampleModel, walkModel, type ModelWalk } from '../../src/workflow-engine/model-walk.js';
import { versionFiles, workflowsDir, workflowVersions } from '../support/workflow-versions.js';

/*
 * Every workflow version in workflows/ (WORKFLOWS_DIR when set), found by file name, not from a list: the generic model
 * (the one `npm run workflow:check` walks) reaches each of its states and takes each of its
 * transitions, and the engine agrees with XState at every step with the invariants kept. The
 * hand-written specs beside this one go further for the versions they name.
 */

const DIR = workflowsDir();
const files = versionFiles(DIR);
const versions = workflowVersions(DIR);
const engine = new WorkflowEngine();

describe(`every workflow version in ${DIR}/, model-based`, () => {
  it('finds the versions by file name, the four workflows of the product among them', () => {
    expect(files).toEqual(expect.arrayContaining(['partnership-mou.v1.json', 'recurring-activity.v1.json', 'follow-up.v1.json', 'training-programme.v1.json']));
    expect(versions.map((w) => w.file)).toEqual(files);
  });

  describe.each(files)('%s', (file) => {
    let walk: ModelWalk;
    beforeAll(() => {
      const { definition } = versions.find((w) => w.file === file)!;
      walk = walkModel(sampleModel(engine, definition));
    });

    it('reaches every state and takes every transition of the definition', () => {
      expect(walk.states.defined.length).toBeGreaterThan(1);
      expect(walk.states.missed).toEqual([]);
      expect(walk.transitions.missed).toEqual([]);
    });

    it('replays every step through the engine as XState takes it, the invariants kept and no timer left behind', () => {
      expect(walk.steps).toBeGreaterThan(0);
      expect(walk.problems.slice(0, 10)).toEqual([]);
    });
  });
});
