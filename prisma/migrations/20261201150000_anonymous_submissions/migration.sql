-- A submission belongs to a signed-in user or to an anonymous browser (its
-- signed anonymous id cookie): exactly one of "userId" and "anonId" is set.
ALTER TABLE "Submission" ALTER COLUMN "userId" DROP NOT NULL;

ALTER TABLE "Submission" ADD COLUMN "anonId" TEXT;

ALTER TABLE "Submission" ADD CONSTRAINT "Submission_owner_check" CHECK (("userId" IS NULL) <> ("anonId" IS NULL));

CREATE INDEX "Submission_anonId_createdAt_idx" ON "Submission"("anonId", "createdAt");
