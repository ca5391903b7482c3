// ModelInputTests: how structured fields read (trimmed, lowercased, absent as a value of its own) and are written
// before the text for the transformer.
import Foundation
import MailroomCore
import Testing

@Suite struct ModelInputTests {
    @Test func fieldsReadTheSameWhereverTheyComeFrom() throws {
        let input = ModelInput(text: "Depot", language: " DE ", custodianBank: "Commerzbank AG")
        #expect(input.field("language") == "de" && input.field("custodian_bank") == "commerzbank ag")
        #expect(ModelInput(text: "x", custodianBank: "  ").field("custodian_bank") == ModelInput.absent)
        #expect(ModelInput(text: "x").field("language") == "none")
        #expect(input.prefixed(fields: []) == "Depot")
        #expect(input.prefixed(fields: ["custodian_bank"]) == "[custodian_bank: commerzbank ag]\nDepot")
        let row = DatasetRow(id: "r", subject: "Betreff", body: "Text", language: "de", custodianBank: "DKB")
        #expect(row.input == ModelInput(text: "Betreff\nText", language: "de", custodianBank: "DKB"))
        let email = CleanedEmail(id: "e", subject: "Betreff", text: "Text", language: "de", custodianBank: "DKB")
        #expect(email.input == row.input, "training rows and served emails read alike")
        #expect(throws: ModelError.self) { try ModelInput.validate(fields: ["language", "tier"]) }
        try ModelInput.validate(fields: ModelInput.fieldNames)
    }

    @Test func datasetRowsCarryTheCustodianBank() throws {
        let line = #"{"id":"a","subject":"s","body":"b","custodian_bank":"ING","labels":{"queue":"Q"}}"#
        let row = try JSONDecoder().decode(DatasetRow.self, from: Data(line.utf8))
        #expect(row.custodianBank == "ING")
        let back = String(decoding: try JSONEncoder().encode(row), as: UTF8.self)
        #expect(back.contains("\"custodian_bank\":\"ING\""))
        let plain = String(decoding: try JSONEncoder().encode(DatasetRow(id: "b", subject: "", body: "x")), as: UTF8.self)
        #expect(!plain.contains("custodian_bank"), "absent stays absent in the file")
    }
}
